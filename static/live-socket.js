// The WebSocket of a live page (class attendance, gallery progress): connects to `path`, hands every message to
// onMessage, reports its state ("connecting", "connected", "reconnecting", "forbidden") to onState, and
// reconnects with a growing delay. The server sends a fresh snapshot on every connect, so a page that was
// disconnected resyncs by itself.
window.openLiveSocket = function openLiveSocket(path, { onMessage, onState }) {
  let attempts = 0;

  function connect() {
    onState(attempts ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${path}`);
    socket.onopen = () => { attempts = 0; onState("connected"); };
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (event.code === 4403) { onState("forbidden"); return; }  // refused: retrying would not help
      attempts += 1;
      onState("reconnecting");
      setTimeout(connect, Math.min(10000, 500 * 2 ** attempts));
    };
  }

  connect();
};
