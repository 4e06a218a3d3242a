#!/usr/bin/env bash
# Uploads FILE to a frago server with nothing but curl: chunks in shuffled order,
# PARALLEL at a time, then finalize with the file's MD5.
#   usage: curl-upload.sh FILE [API_URL] [CHUNK_BYTES] [PARALLEL]
#   e.g.   curl-upload.sh video.mp4 http://127.0.0.1:3000/upload 1048576 4
set -euo pipefail

file=$1
api=${2:-http://127.0.0.1:3000/upload}
chunk=${3:-1048576}
parallel=${4:-4}
size=$(stat -c %s "$file")
name=$(basename "$file" | sed 's/\\/\\\\/g; s/"/\\"/g')

started=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  -d "{\"filename\": \"$name\", \"total_size\": $size}" "$api/")
id=$(printf '%s' "$started" | sed -n 's/.*"upload_id":"\([^"]*\)".*/\1/p')
echo "upload $id: $size bytes in chunks of $chunk, $parallel at a time"

send_chunk() {
  local index=$1 start end
  start=$((index * chunk))
  end=$((start + chunk - 1))
  if [ "$end" -ge "$size" ]; then end=$((size - 1)); fi
  dd if="$file" bs="$chunk" skip="$index" count=1 status=none |
    curl -fsS -o /dev/null --retry 5 -X PUT \
      -H 'Content-Type: application/octet-stream' \
      -H "Content-Range: bytes $start-$end/$size" \
      --data-binary @- "$api/$id/"
}
export -f send_chunk
export file chunk size api id

if [ "$size" -gt 0 ]; then
  seq 0 $(((size + chunk - 1) / chunk - 1)) | shuf | xargs -P "$parallel" -I{} bash -c 'send_chunk {}'
fi

checksum=$(md5sum "$file" | cut -d' ' -f1)
curl -fsS -X POST -H 'Content-Type: application/json' \
  -d "{\"checksum\": \"$checksum\", \"checksum_algo\": \"md5\"}" "$api/$id/"
echo
