/**
 * A grid of signed values (patching effects, attributions) as an SVG document or a PNG image,
 * drawn with the diverging scale the page uses (light theme). Labels are model text: escaped
 * for XML, drawn as text on the canvas.
 */
import { canvasToBlob, xml } from '../inspector/png-export.ts';
import { divergingCss, symmetricMax } from './diverging.ts';

export interface EffectGrid {
  title: string;
  values: readonly (readonly (number | null)[])[];
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** What a value is ("effect"), for the legend. */
  quantity: string;
}

const FONT = 'system-ui, sans-serif';
const INK = '#161a23';
const MUTED = '#5b6374';

function layout(g: EffectGrid) {
  const rows = g.values.length;
  const cols = Math.max(0, ...g.values.map((r) => r.length));
  const longest = (ls: readonly string[]) => Math.max(1, ...ls.map((l) => [...l].length));
  const cell = cols > 40 ? 14 : 28;
  const left = Math.min(160, 16 + longest(g.rowLabels) * 7);
  const top = 44 + Math.min(120, 8 + longest(g.colLabels) * 7);
  const width = Math.max(left + cols * cell + 16, 300);
  const legendY = top + rows * cell + 16;
  return { rows, cols, cell, left, top, width, height: legendY + 44, legendY };
}

const fmt = (v: number | null) => (v === null ? 'undefined' : v.toPrecision(4));

export function effectSvg(g: EffectGrid): string {
  const L = layout(g);
  const max = symmetricMax(g.values);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="${xml(FONT)}">`,
    `<title>${xml(g.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="14" font-weight="600" fill="${INK}">${xml(g.title)}</text>`,
    '<g shape-rendering="crispEdges">',
  ];
  g.values.forEach((row, r) =>
    row.forEach((v, c) => {
      out.push(
        `<rect x="${L.left + c * L.cell}" y="${L.top + r * L.cell}" width="${L.cell}" height="${L.cell}" fill="${divergingCss(v, max)}"><title>${xml(`${g.rowLabels[r] ?? r} ${g.colLabels[c] ?? c}: ${fmt(v)}`)}</title></rect>`,
      );
    }),
  );
  out.push('</g>', `<g font-size="11" fill="${MUTED}">`);
  g.rowLabels.forEach((l, r) =>
    out.push(
      `<text x="${L.left - 5}" y="${L.top + (r + 0.5) * L.cell}" text-anchor="end" dominant-baseline="middle" xml:space="preserve">${xml(l)}</text>`,
    ),
  );
  g.colLabels.forEach((l, c) =>
    out.push(
      `<text transform="translate(${L.left + (c + 0.5) * L.cell} ${L.top - 5}) rotate(-90)" dominant-baseline="middle" xml:space="preserve">${xml(l)}</text>`,
    ),
  );
  out.push(
    '</g>',
    '<defs><linearGradient id="scale">',
    ...Array.from(
      { length: 9 },
      (_, i) =>
        `<stop offset="${i / 8}" stop-color="${divergingCss(-max + (2 * max * i) / 8, max)}"/>`,
    ),
    '</linearGradient></defs>',
    `<rect x="${L.left}" y="${L.legendY}" width="200" height="10" fill="url(#scale)" stroke="#dde1ea"/>`,
    `<g font-size="10" fill="${MUTED}">`,
    `<text x="${L.left}" y="${L.legendY + 22}">${xml(`−${max.toPrecision(3)}`)}</text>`,
    `<text x="${L.left + 100}" y="${L.legendY + 22}" text-anchor="middle">0</text>`,
    `<text x="${L.left + 200}" y="${L.legendY + 22}" text-anchor="end">${xml(`+${max.toPrecision(3)}`)}</text>`,
    `<text x="${L.left + 210}" y="${L.legendY + 9}">${xml(g.quantity)}</text>`,
    '</g></svg>',
  );
  return out.join('\n');
}

export function effectPng(g: EffectGrid): Promise<Blob> {
  const L = layout(g);
  const max = symmetricMax(g.values);
  const dpr = 2;
  const canvas = document.createElement('canvas');
  canvas.width = L.width * dpr;
  canvas.height = L.height * dpr;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('The browser has no 2D canvas to draw the image.');
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, L.width, L.height);
  ctx.fillStyle = INK;
  ctx.font = `600 14px ${FONT}`;
  ctx.fillText(g.title, 10, 24);
  g.values.forEach((row, r) =>
    row.forEach((v, c) => {
      ctx.fillStyle = divergingCss(v, max);
      ctx.fillRect(L.left + c * L.cell, L.top + r * L.cell, L.cell, L.cell);
    }),
  );
  ctx.fillStyle = MUTED;
  ctx.font = `11px ${FONT}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  g.rowLabels.forEach((l, r) => ctx.fillText(l, L.left - 5, L.top + (r + 0.5) * L.cell));
  ctx.textAlign = 'left';
  g.colLabels.forEach((l, c) => {
    ctx.save();
    ctx.translate(L.left + (c + 0.5) * L.cell, L.top - 5);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(l, 0, 0);
    ctx.restore();
  });
  for (let x = 0; x < 200; x++) {
    ctx.fillStyle = divergingCss(-max + (2 * max * x) / 199, max);
    ctx.fillRect(L.left + x, L.legendY, 1, 10);
  }
  ctx.fillStyle = MUTED;
  ctx.font = `10px ${FONT}`;
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(`−${max.toPrecision(3)}`, L.left, L.legendY + 22);
  ctx.textAlign = 'center';
  ctx.fillText('0', L.left + 100, L.legendY + 22);
  ctx.textAlign = 'right';
  ctx.fillText(`+${max.toPrecision(3)}`, L.left + 200, L.legendY + 22);
  ctx.textAlign = 'left';
  ctx.fillText(g.quantity, L.left + 210, L.legendY + 9);
  return canvasToBlob(canvas);
}
