/**
What a check needs (the runner and every lab's checker), in one module the
session imports on the first check: they bring undici (~40 ms), which the
first frame should not wait for.
*/
export {checks} from '../checks/index.js';
export {runLab} from '../checks/runner.js';
