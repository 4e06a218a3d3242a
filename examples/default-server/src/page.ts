/**
 * A small page that uploads files through the frago API with plain `fetch`: chunks of
 * the size the server proposes, four at a time, each retried on failure.
 */
export const uploadPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>frago upload</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; }
  .file { margin: 1rem 0; padding: .75rem; border: 1px solid #ddd; border-radius: .5rem; }
  progress { width: 100%; }
  .done { color: #176b2c; } .failed { color: #a1251b; }
  code { font-size: .85em; word-break: break-all; }
</style>
</head>
<body>
<h1>frago: resumable, parallel uploads</h1>
<p><input type="file" id="files" multiple></p>
<div id="list"></div>
<script type="module">
const api = '/upload';
const parallel = 4;

async function call(method, path, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(api + path, { method, body, headers });
      const json = await response.json();
      if (response.status >= 500 && attempt < 5) throw new Error(json.message);
      return { ok: response.ok, json };
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

async function upload(file, row) {
  const bar = row.querySelector('progress');
  const status = row.querySelector('.status');
  const started = await call('POST', '/', JSON.stringify({ filename: file.name, total_size: file.size }), { 'content-type': 'application/json' });
  if (!started.ok) throw new Error(started.json.message);
  const id = started.json.upload_id;
  const size = started.json.chunk_size;
  const ranges = [];
  for (let start = 0; start < file.size; start += size) ranges.push([start, Math.min(start + size, file.size) - 1]);
  let sent = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let range = ranges.shift(); range; range = ranges.shift()) {
      const [start, end] = range;
      const result = await call('PUT', '/' + id + '/', file.slice(start, end + 1), {
        'content-type': 'application/octet-stream',
        'content-range': 'bytes ' + start + '-' + end + '/' + file.size,
      });
      if (!result.ok) throw new Error(result.json.message);
      sent += end - start + 1;
      bar.value = file.size ? sent / file.size : 1;
      status.textContent = Math.round(100 * bar.value) + '%';
    }
  }));
  const done = await call('POST', '/' + id + '/', '{}', { 'content-type': 'application/json' });
  if (!done.ok) throw new Error(done.json.message);
  bar.value = 1;
  status.className = 'status done';
  status.innerHTML = 'Verified: ' + done.json.checksum_algo + ' <code>' + done.json.checksum + '</code>';
}

document.getElementById('files').addEventListener('change', (event) => {
  for (const file of event.target.files) {
    const row = document.createElement('div');
    row.className = 'file';
    row.innerHTML = '<strong></strong><progress max="1" value="0"></progress><div class="status">starting</div>';
    row.querySelector('strong').textContent = file.name + ' (' + file.size + ' bytes)';
    document.getElementById('list').append(row);
    upload(file, row).catch((error) => {
      const status = row.querySelector('.status');
      status.className = 'status failed';
      status.textContent = 'Failed: ' + error.message;
    });
  }
});
</script>
</body>
</html>
`;
