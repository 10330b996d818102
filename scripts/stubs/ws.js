// Only Ink's devtools window polyfill (DEV=true) imports ws; the bundle never runs it.
export default class WebSocket {}
