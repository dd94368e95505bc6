// Upload generated data with tus-js-client (the library the upload page uses, here in its
// Node.js build) and print the upload URL. Used by test_tus_js_client.py.
//   node tests/uploads/tus_js_probe.js ENDPOINT TOKEN SIZE CHUNK
// The data is tests/uploads/media.py's media_bytes(SIZE), made the same way.
"use strict";
const crypto = require("crypto");
const tus = require("tus-js-client");

const BLOCK = 64 * 1024;
const MP4_HEADER = Buffer.from("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "latin1");

function mediaBytes(size) {
  const noise = crypto
    .createHash("shake256", { outputLength: BLOCK })
    .update("edu-portal upload tests")
    .digest();
  const blocks = [];
  for (let index = 0, produced = 0; produced < size; index += 1) {
    let prefix = MP4_HEADER;
    if (index > 0) {
      prefix = Buffer.alloc(8);
      prefix.writeBigUInt64BE(BigInt(index));
    }
    const block = Buffer.concat([prefix, noise]).subarray(0, Math.min(BLOCK, size - produced));
    blocks.push(block);
    produced += block.length;
  }
  return Buffer.concat(blocks);
}

const [endpoint, token, size, chunk] = process.argv.slice(2);
const upload = new tus.Upload(mediaBytes(Number(size)), {
  endpoint,
  chunkSize: Number(chunk),
  retryDelays: [0, 500],
  headers: { Authorization: `Token ${token}` },
  metadata: { filename: "课堂实录.mp4", filetype: "video/mp4" },
  onSuccess() {
    console.log(JSON.stringify({ url: upload.url }));
  },
  onError(error) {
    console.error(String(error));
    process.exit(1);
  },
});
upload.start();
