import type {Command} from '../command.js';
import {doctorCommand} from './doctor.js';
import {hintCommand} from './hint.js';
import {initCommand} from './init.js';
import {lessonCommand} from './lesson.js';
import {listCommand} from './list.js';
import {loadCommand} from './load.js';
import {resetCommand} from './reset.js';
import {solutionCommand} from './solution.js';
import {traceCommand} from './trace.js';
import {verifyCommand} from './verify.js';

/** In the order `--help` lists them: the learner's loop first. */
export const commands: Command[] = [initCommand, listCommand, lessonCommand, verifyCommand, hintCommand, solutionCommand, resetCommand, doctorCommand, loadCommand, traceCommand];
