#!/usr/bin/env node
// Builds the training corpus for weights/tiny-trained/ and tokenizes it with the exact GPT-2 BPE.
//
// Corpus: Jane Austen's six completed novels (Project Gutenberg texts, public domain), as shipped by
// the Debian package `r-cran-janeaustenr` (package licence: MIT). The package stores the novels as
// R character vectors in a lazy-load database (data/Rdata.rdx + data/Rdata.rdb); this script reads
// that format directly, so R itself is not needed: `apt-get download r-cran-janeaustenr` and
// `dpkg -x` the .deb are enough (or `apt-get install r-cran-janeaustenr`).
//
// Usage: node scripts/train/tokenize-corpus.mjs [--data DIR] [--out DIR] [--val-frac 0.05]
//   --data  the janeaustenr data directory (default /usr/lib/R/site-library/janeaustenr/data)
//   --out   where to write the token files (default /tmp/gpt2-tiny-data); not committed
//
// Writes to --out:
//   train.bin, val.bin   token ids, uint16 little-endian; each novel ends with <|endoftext|> (50256).
//                        The last --val-frac of every novel (cut at a paragraph boundary) is held out.
//   corpus.txt           the cleaned plain text that was tokenized (for inspection)
//   vocab.json           {"bytes_hex": [...]} the byte string of every GPT-2 token id, so that the
//                        Python trainer can decode ids without a tokenizer of its own
//   prompts.json         the reference prompts for reference.json, as token ids
//   meta.json            counts and provenance

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import { join } from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2 from 'js-tiktoken/ranks/gpt2';

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const dataDir = opt('--data', '/usr/lib/R/site-library/janeaustenr/data');
const outDir = opt('--out', '/tmp/gpt2-tiny-data');
const valFrac = Number(opt('--val-frac', '0.05'));
const EOT = 50256;

// ---------------------------------------------------------------------------------------------
// Minimal reader for R's XDR serialization format (version 2/3), enough for the lazy-load index
// (a named list of integer vectors) and for the entries (character vectors).
class RReader {
  constructor(buf) {
    this.b = buf;
    this.p = 0;
    this.refs = [];
  }
  int() {
    const v = this.b.readInt32BE(this.p);
    this.p += 4;
    return v;
  }
  header() {
    const fmt = this.b.toString('latin1', 0, 2);
    if (fmt !== 'X\n') throw new Error(`unsupported R serialization format ${JSON.stringify(fmt)}`);
    this.p = 2;
    const version = this.int();
    this.int(); // writer R version
    this.int(); // minimal reader version
    if (version === 3) {
      const n = this.int();
      this.p += n; // native encoding name
    }
  }
  item() {
    const flags = this.int();
    const type = flags & 0xff;
    const hasAttr = (flags & (1 << 9)) !== 0;
    const hasTag = (flags & (1 << 10)) !== 0;
    switch (type) {
      case 254: // NILVALUE_SXP
        return null;
      case 255: // REFSXP
        return this.refs[(flags >> 8) - 1];
      case 1: {
        // SYMSXP
        const name = this.item();
        this.refs.push(name);
        return name;
      }
      case 2: {
        // LISTSXP (pairlist)
        const out = [];
        let f = flags;
        for (;;) {
          const a = (f & (1 << 9)) !== 0 ? this.item() : null;
          const tag = (f & (1 << 10)) !== 0 ? this.item() : null;
          out.push({ tag, value: this.item(), attr: a });
          f = this.int();
          if ((f & 0xff) !== 2) {
            this.p -= 4;
            const rest = this.item();
            if (rest !== null) out.push({ tag: null, value: rest });
            break;
          }
        }
        return out;
      }
      case 9: {
        // CHARSXP
        const n = this.int();
        if (n === -1) return null; // NA_STRING
        const s = this.b.toString('utf8', this.p, this.p + n);
        this.p += n;
        return s;
      }
      case 10:
      case 13: {
        // LGLSXP / INTSXP
        const n = this.int();
        const v = new Array(n);
        for (let i = 0; i < n; i++) v[i] = this.int();
        return this.attrs(v, hasAttr);
      }
      case 14: {
        // REALSXP
        const n = this.int();
        const v = new Array(n);
        for (let i = 0; i < n; i++) {
          v[i] = this.b.readDoubleBE(this.p);
          this.p += 8;
        }
        return this.attrs(v, hasAttr);
      }
      case 16:
      case 19: {
        // STRSXP / VECSXP
        const n = this.int();
        const v = new Array(n);
        for (let i = 0; i < n; i++) v[i] = this.item();
        return this.attrs(v, hasAttr);
      }
      default:
        throw new Error(`unsupported R SEXP type ${type} (tag ${hasTag})`);
    }
  }
  attrs(v, hasAttr) {
    if (hasAttr) {
      const list = this.item();
      v.attributes = Object.fromEntries(list.map((e) => [e.tag, e.value]));
    }
    return v;
  }
}

function readR(buf) {
  const r = new RReader(buf);
  r.header();
  return r.item();
}

// ---------------------------------------------------------------------------------------------
const index = readR(gunzipSync(readFileSync(join(dataDir, 'Rdata.rdx'))));
const idxNames = index.attributes.names;
const variables = index[idxNames.indexOf('variables')];
const varNames = variables.attributes.names;
const rdb = readFileSync(join(dataDir, 'Rdata.rdb'));

function loadVar(name) {
  const [offset, length] = variables[varNames.indexOf(name)];
  const raw = inflateSync(rdb.subarray(offset + 4, offset + length));
  return readR(raw);
}

// Order as in austen_books(): publication order.
const BOOKS = [
  ['sensesensibility', 'Sense & Sensibility'],
  ['prideprejudice', 'Pride & Prejudice'],
  ['mansfieldpark', 'Mansfield Park'],
  ['emma', 'Emma'],
  ['northangerabbey', 'Northanger Abbey'],
  ['persuasion', 'Persuasion'],
];

// Lines are hard-wrapped at ~70 columns with blank lines between paragraphs: join each paragraph
// into one line, drop the Gutenberg _italic_ underscores, separate paragraphs by a blank line.
function clean(lines) {
  const paras = [];
  let cur = [];
  for (const raw of lines) {
    const line = (raw ?? '').trim();
    if (line === '') {
      if (cur.length) paras.push(cur.join(' '));
      cur = [];
    } else cur.push(line);
  }
  if (cur.length) paras.push(cur.join(' '));
  return paras.map((p) => p.replace(/_/g, '').replace(/\s+/g, ' ').trim()).filter((p) => p);
}

const enc = new Tiktoken(gpt2);
const train = [];
const val = [];
const texts = [];
const perBook = [];
for (const [varName, title] of BOOKS) {
  const paras = clean(loadVar(varName));
  // Hold out the tail of each novel: the last valFrac of its paragraphs (by characters).
  const total = paras.reduce((s, p) => s + p.length, 0);
  let acc = 0;
  let cut = paras.length;
  for (let i = 0; i < paras.length; i++) {
    if (acc >= total * (1 - valFrac)) {
      cut = i;
      break;
    }
    acc += paras[i].length;
  }
  const trText = paras.slice(0, cut).join('\n\n') + '\n';
  const vaText = paras.slice(cut).join('\n\n') + '\n';
  const trIds = enc.encode(trText);
  const vaIds = enc.encode(vaText);
  for (const id of trIds) train.push(id);
  train.push(EOT);
  for (const id of vaIds) val.push(id);
  val.push(EOT);
  texts.push(trText, vaText);
  perBook.push({
    title,
    paragraphs: paras.length,
    train_tokens: trIds.length,
    val_tokens: vaIds.length,
  });
  console.log(
    `${title}: ${paras.length} paragraphs, ${trIds.length} train + ${vaIds.length} val tokens`,
  );
}

function writeU16(path, ids) {
  const a = new Uint16Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] > 65535) throw new Error(`token id ${ids[i]} does not fit uint16`);
    a[i] = ids[i];
  }
  writeFileSync(path, Buffer.from(a.buffer, a.byteOffset, a.byteLength)); // x86/ARM: little-endian
}

mkdirSync(outDir, { recursive: true });
writeU16(join(outDir, 'train.bin'), train);
writeU16(join(outDir, 'val.bin'), val);
writeFileSync(join(outDir, 'corpus.txt'), texts.join('\n'));

// Byte string of every token: decode() of a single id can split a UTF-8 character, so take the
// bytes from the rank table (the tokenizer's own data) instead.
const bytesHex = new Array(50257);
const te = new TextEncoder();
for (let id = 0; id < 50257; id++) {
  if (id === EOT) {
    bytesHex[id] = Buffer.from(te.encode('<|endoftext|>')).toString('hex');
    continue;
  }
  const s = enc.textMap?.get(id);
  bytesHex[id] = s
    ? Buffer.from(s).toString('hex')
    : Buffer.from(te.encode(enc.decode([id]))).toString('hex');
}
writeFileSync(join(outDir, 'vocab.json'), JSON.stringify({ bytes_hex: bytesHex }));

// Reference prompts: two short generic ones and the first 40 tokens of Pride & Prejudice's opening.
const ppStart = enc.encode(
  'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be ' +
    'in want of a wife. However little known the feelings or views of such a man may be on his first ' +
    'entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families',
);
const ppIds = ppStart.slice(0, 40);
const prompts = [
  { text: 'The quick brown fox', ids: enc.encode('The quick brown fox') },
  { text: 'Once upon a time', ids: enc.encode('Once upon a time') },
  { text: enc.decode(ppIds), ids: ppIds },
];
writeFileSync(join(outDir, 'prompts.json'), JSON.stringify({ prompts }, null, 1));

const meta = {
  corpus: "Jane Austen's six completed novels (Project Gutenberg, public domain)",
  source: 'Debian package r-cran-janeaustenr (MIT), data/Rdata.rdb',
  tokenizer: 'GPT-2 BPE (js-tiktoken ranks/gpt2), vocab 50257',
  val_frac: valFrac,
  train_tokens: train.length,
  val_tokens: val.length,
  characters: texts.reduce((s, t) => s + t.length, 0),
  books: perBook,
};
writeFileSync(join(outDir, 'meta.json'), JSON.stringify(meta, null, 1));
console.log(
  `wrote ${outDir}: ${train.length} train tokens, ${val.length} val tokens, ${meta.characters} characters`,
);
