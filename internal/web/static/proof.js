// Checks, in the browser, that each version on a history page is in the
// public change log (for a record that is not public, that the opening on
// the page opens the committed leaf): it hashes the leaf text (RFC 6962 leaf hash,
// SHA-256(0x00 || leaf)), walks the inclusion proof to a root and compares
// that root with the one in the latest signed checkpoint, whose Ed25519
// signature (C2SP signed note) it checks with the log's key from /log/key.
// The key comes from the same server: a reader who wants more pins the key
// out of band and compares it with the one named on the page.
const msgs = JSON.parse(document.getElementById('i18n').textContent);
const enc = new TextEncoder();

async function sha256(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

const leafHash = (leaf) => sha256([Uint8Array.of(0), enc.encode(leaf)]);
const nodeHash = (l, r) => sha256([Uint8Array.of(1), l, r]);

function fromB64(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// RFC 9162 §2.1.3.2: the root from a leaf hash, its index and the proof.
async function rootFrom(index, size, leaf, proof) {
  if (index >= size) throw new Error('index beyond tree');
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error('proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('proof too short');
  return r;
}

// A checkpoint note: origin, tree size, base64 root hash, blank line,
// signatures.
function parseCheckpoint(text) {
  const lines = text.split('\n');
  const size = Number(lines[1]);
  if (!Number.isSafeInteger(size) || size < 1) throw new Error('bad checkpoint');
  return { size, root: fromB64(lines[2]) };
}

function hex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// verifyNote checks a signed note's Ed25519 signature by the verifier key
// "name+hash+base64(0x01 || public key)".
async function verifyNote(note, verifier) {
  // The name has no '+'; the base64 key may.
  const v = verifier.trim();
  const i = v.indexOf('+'), j = v.indexOf('+', i + 1);
  if (i < 0 || j < 0) throw new Error('not a verifier key');
  const name = v.slice(0, i), hash = v.slice(i + 1, j), b64 = v.slice(j + 1);
  const kb = fromB64(b64);
  if (kb[0] !== 1 || kb.length !== 33) throw new Error('not an Ed25519 key');
  const key = await crypto.subtle.importKey('raw', kb.slice(1), { name: 'Ed25519' }, false, ['verify']);
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('note has no signatures');
  const text = enc.encode(note.slice(0, split + 1));
  for (const line of note.slice(split + 2).split('\n')) {
    const m = line.match(/^\u2014 (\S+) (\S+)$/);
    if (!m || m[1] !== name) continue;
    const sig = fromB64(m[2]);
    if (sig.length !== 68 || hex(sig.slice(0, 4)) !== hash) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.slice(4), text)) return name;
  }
  throw new Error('no valid signature by ' + name);
}

// The value of a "key value" line of a leaf or an opening.
function field(text, key) {
  const m = text.match(new RegExp('^' + key + ' (.*)$', 'm'));
  return m ? m[1] : null;
}

// A committed leaf (a record that is not public) shows only seq, at and a
// commitment; the page gives an entitled reader the opening, whose SHA-256
// must be the commitment and which must name the same seq and time.
async function checkOpening(leaf, opening) {
  if (!leaf.startsWith('truce-leaf/v1-committed\n')) throw new Error('opening for a leaf in clear');
  if (!opening.startsWith('truce-opening/v1\nsalt ')) throw new Error('not an opening');
  if (hex(await sha256([enc.encode(opening)])) !== field(leaf, 'commitment')) throw new Error('opening does not hash to the commitment');
  if (field(opening, 'seq') !== field(leaf, 'seq') || field(opening, 'at') !== field(leaf, 'at')) throw new Error('opening of another change');
}

async function check(li, cp) {
  const out = li.querySelector('.proof');
  out.textContent = msgs['history.proof.checking'];
  try {
    const seq = Number(li.dataset.seq);
    if (seq >= cp.size) {
      // With witnesses the checkpoint served is the latest they published,
      // which a change made a moment ago may not be in yet.
      out.textContent = msgs['history.proof.pending'];
      li.dataset.verified = 'pending';
      return;
    }
    const committed = li.dataset.opening !== undefined;
    if (committed) await checkOpening(li.dataset.leaf, li.dataset.opening);
    const leaf = await leafHash(li.dataset.leaf);
    if (!same(leaf, fromB64(li.dataset.leafHash))) throw new Error('leaf hash differs');
    const res = await fetch(`/api/v1/log/proof/inclusion?seq=${seq}&size=${cp.size}`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error('proof request: ' + res.status);
    const pr = await res.json();
    if (pr.size !== cp.size || pr.seq !== seq) throw new Error('proof for another tree');
    if (!same(leaf, fromB64(pr.leaf_hash))) throw new Error('server leaf hash differs');
    const root = await rootFrom(seq, cp.size, leaf, pr.proof.map(fromB64));
    if (!same(root, cp.root)) throw new Error('root differs from checkpoint');
    out.textContent = msgs['history.proof.verified'].replace('{n}', String(cp.size)) + ' · ' +
      msgs['history.proof.signed'].replace('{key}', cp.signer) +
      (committed ? ' · ' + msgs['history.proof.committed'] : '');
    out.classList.add('ok');
    li.dataset.verified = String(cp.size);
  } catch (err) {
    out.textContent = msgs['history.proof.failed'] + ': ' + err.message;
    out.classList.add('bad');
    li.dataset.verified = 'failed';
  }
}

async function main() {
  const items = Array.from(document.querySelectorAll('li.version[data-leaf]'));
  if (items.length === 0) return;
  const newest = Math.max(...items.map((li) => Number(li.dataset.seq)));
  let cp;
  // The checkpoint is signed shortly after each write: a change made a
  // moment ago may be in the next one.
  for (let tries = 0; tries < 10; tries++) {
    const res = await fetch('/log/checkpoint', { credentials: 'same-origin', cache: 'no-store' });
    const note = await res.text();
    cp = parseCheckpoint(note);
    cp.note = note;
    if (cp.size > newest) break;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  try {
    const key = await (await fetch('/log/key', { credentials: 'same-origin' })).text();
    cp.signer = await verifyNote(cp.note, key);
  } catch (err) {
    for (const li of items) {
      const out = li.querySelector('.proof');
      out.textContent = msgs['history.proof.failed'] + ': ' + err.message;
      out.classList.add('bad');
      li.dataset.verified = 'failed';
    }
    return;
  }
  for (const li of items) await check(li, cp);
}

main();
