#!/usr/bin/env bash
# Gradescope autograder setup: Node.js 20 and the node-cluster-lab kit, installed
# once into the image (grading then needs no network).
set -euo pipefail
KIT_VERSION=0.1.0
apt-get update
apt-get install -y ca-certificates curl gnupg
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
apt-get install -y nodejs
npm install --global --no-audit --no-fund "node-cluster-lab@${KIT_VERSION}"
