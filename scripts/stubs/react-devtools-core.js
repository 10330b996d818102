// ink/build/devtools.js imports the optional peer react-devtools-core (used only
// when DEV=true). It is not installed; the bundle gets this stand-in instead.
export default {initialize() {}, connectToDevTools() {}};
