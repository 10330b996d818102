#!/usr/bin/env bash
# PrairieLearn external grader entrypoint: the learner's files for one lab are in
# /grade/student; LAB (externalGradingOptions.environment) names the lab.
# Writes /grade/results/results.json: score 0-1, a test per step.
set -uo pipefail
RESULTS=/grade/results/results.json
mkdir -p /grade/results
if [ -z "${LAB:-}" ]; then
	echo '{"gradable": false, "format_errors": ["the question sets no LAB in externalGradingOptions.environment"]}' > "$RESULTS"
	exit 0
fi
labs_dir="$(mktemp -d)"
mkdir -p "$labs_dir/$LAB"
cp -R /grade/student/. "$labs_dir/$LAB/"
NO_COLOR=1 node-cluster-lab verify "$LAB" --dir "$labs_dir" --reporter "prairielearn=$RESULTS" --reporter pretty
code=$?
if [ "$code" -le 1 ] && [ -s "$RESULTS" ]; then exit 0; fi
echo "node-cluster-lab verify exited $code without a grade" >&2
exit 1
