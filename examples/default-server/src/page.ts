/**
 * The upload page served at `/`: drag and drop or pick files; each gets a progress bar
 * with speed and time left, pause, resume and cancel, and shows the verified checksum
 * when done. It is built on `@frago/client` (the bundle the server serves at
 * `/frago-client.js`): chunks of the size the server proposes, four at a time, retried
 * with backoff, hashed in a Web Worker, and resumed after a lost connection or a
 * closed tab (the upload ids live in localStorage).
 */
export const uploadPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>frago upload</title>
<link rel="icon" href="data:,">
<style>
  :root { --ink: #1d2430; --muted: #5d6878; --line: #d9dee6; --accent: #2456c8; --ok: #17713a; --bad: #a3261b; }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2.5rem auto; padding: 0 1rem; color: var(--ink); }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  p.lead { color: var(--muted); margin: 0 0 1.25rem; }
  #drop { border: 2px dashed var(--line); border-radius: .75rem; padding: 2rem 1rem; text-align: center; color: var(--muted); transition: background .15s, border-color .15s; }
  #drop.over { border-color: var(--accent); background: #eef3ff; }
  #drop label { color: var(--accent); font-weight: 600; cursor: pointer; text-decoration: underline; }
  #files { position: absolute; left: -9999px; }
  .file { margin: 1rem 0; padding: .9rem 1rem; border: 1px solid var(--line); border-radius: .6rem; }
  .head { display: flex; justify-content: space-between; gap: 1rem; align-items: baseline; }
  .name { font-weight: 600; overflow-wrap: anywhere; }
  .size { color: var(--muted); white-space: nowrap; }
  progress { width: 100%; height: .9rem; margin: .5rem 0 .25rem; accent-color: var(--accent); }
  .stats { color: var(--muted); font-size: .9rem; font-variant-numeric: tabular-nums; }
  .state { margin-top: .25rem; font-size: .95rem; }
  .state.done { color: var(--ok); } .state.failed { color: var(--bad); }
  .actions { margin-top: .5rem; display: flex; gap: .5rem; }
  button { font: inherit; font-size: .9rem; padding: .2rem .8rem; border: 1px solid var(--line); border-radius: .4rem; background: #fff; cursor: pointer; }
  button:hover { border-color: var(--accent); }
  button[hidden] { display: none; }
  code { font-size: .85em; word-break: break-all; }
</style>
</head>
<body>
<h1>frago: resumable, parallel, verified uploads</h1>
<p class="lead">Files go up in parallel chunks, survive lost connections and closed tabs, and are checked byte for byte at the end.</p>
<div id="drop">
  <input type="file" id="files" multiple>
  Drop files here or <label for="files">choose files</label>
</div>
<div id="list"></div>
<script type="module">
import { FragoClient, bundledWorkerHasher } from '/frago-client.js';

const client = new FragoClient({ endpoint: '/upload', hasher: bundledWorkerHasher(), retries: 6, retryDelayMs: 500, maxRetryDelayMs: 8000 });

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
function bytes(n) {
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit += 1; }
  return (unit === 0 ? String(Math.round(n)) : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + units[unit];
}
function duration(seconds) {
  if (seconds === null || !isFinite(seconds)) return '';
  const s = Math.ceil(seconds);
  return s < 60 ? s + ' s left' : Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s left';
}

function row(file) {
  const el = document.createElement('div');
  el.className = 'file';
  el.innerHTML = '<div class="head"><span class="name"></span><span class="size"></span></div>' +
    '<progress max="1" value="0"></progress>' +
    '<div class="stats"></div><div class="state">waiting</div>' +
    '<div class="actions"><button data-act="pause">Pause</button><button data-act="resume" hidden>Resume</button>' +
    '<button data-act="cancel">Cancel</button><button data-act="retry" hidden>Try again</button></div>';
  el.querySelector('.name').textContent = file.name;
  el.querySelector('.size').textContent = bytes(file.size);
  document.getElementById('list').append(el);
  return el;
}

function start(file, el) {
  const bar = el.querySelector('progress');
  const stats = el.querySelector('.stats');
  const state = el.querySelector('.state');
  const button = (act) => el.querySelector('[data-act="' + act + '"]');
  const show = (acts) => el.querySelectorAll('button').forEach((b) => { b.hidden = !acts.includes(b.dataset.act); });
  let retrying = 0;
  state.className = 'state';
  state.textContent = 'starting';
  const upload = client.upload(file);
  el.dataset.phase = 'starting';

  upload.on('session', (s) => {
    el.dataset.uploadId = s.uploadId;
    if (s.resumed) state.textContent = 'resuming: ' + bytes(s.receivedBytes) + ' already on the server';
  });
  upload.on('retry', (r) => {
    retrying += 1;
    state.textContent = 'connection problem (' + r.error.message + '), retrying in ' + (r.delayMs / 1000).toFixed(1) + ' s';
  });
  upload.on('chunk', (c) => { if (c.state === 'done') retrying = 0; });
  upload.on('progress', (p) => {
    bar.value = p.totalBytes === 0 ? (p.phase === 'complete' ? 1 : 0) : p.confirmedBytes / p.totalBytes;
    const percent = Math.floor(bar.value * 100) + '%';
    const speed = p.phase === 'uploading' && p.bytesPerSecond > 0 ? ' · ' + bytes(p.bytesPerSecond) + '/s · ' + duration(p.secondsLeft) : '';
    stats.textContent = percent + ' · ' + bytes(p.confirmedBytes) + ' of ' + bytes(p.totalBytes) + speed;
  });
  upload.on('phase', (phase) => {
    el.dataset.phase = phase;
    if (phase === 'uploading' && !retrying) state.textContent = 'uploading';
    if (phase === 'paused') { state.textContent = 'paused'; show(['resume', 'cancel']); }
    if (phase === 'uploading') show(['pause', 'cancel']);
    if (phase === 'finalizing') { state.textContent = 'verifying'; show([]); }
  });
  button('pause').onclick = () => upload.pause();
  button('resume').onclick = () => upload.resume();
  button('cancel').onclick = () => { show([]); upload.cancel(); };
  button('retry').onclick = () => { show(['pause', 'cancel']); start(file, el); };

  upload.done.then((result) => {
    state.className = 'state done';
    state.innerHTML = '&#10003; Verified: ' + result.checksumAlgorithm + ' <code></code>' + (result.resumed ? ' (resumed)' : '');
    state.querySelector('code').textContent = result.checksum;
    stats.textContent = '100% · ' + bytes(result.totalSize) + ' · upload ' + result.uploadId;
    show([]);
  }, (error) => {
    state.className = 'state failed';
    if (error.code === 'CANCELLED') { state.textContent = 'cancelled'; show([]); return; }
    state.textContent = 'Failed: ' + error.message + (error.serverCode ? ' (' + error.serverCode + ')' : '');
    show(['retry']);
  });
}

function add(files) {
  for (const file of files) start(file, row(file));
}

const drop = document.getElementById('drop');
document.getElementById('files').addEventListener('change', (event) => { add(event.target.files); event.target.value = ''; });
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => { event.preventDefault(); drop.classList.remove('over'); add(event.dataTransfer.files); });
</script>
</body>
</html>
`;
