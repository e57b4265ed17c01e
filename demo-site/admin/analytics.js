// Analytics for a chosen range: headline numbers and daily bar charts in inline SVG.

import { describeError } from './api.js';
import { $, clear, el, fmtMs, fmtNumber, fmtPercent, fmtTime, fmtUsd, showError, svg } from './dom.js';

const DAY = 86_400_000;

function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** [from_ms, to_ms) for the form's choice; UTC days for the custom range (to is inclusive). */
export function rangeFor(preset, fromDay, toDay, now = Date.now()) {
  if (preset === 'custom') {
    const from = Date.parse(`${fromDay}T00:00:00Z`);
    const to = Date.parse(`${toDay}T00:00:00Z`);
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw new Error('Choose both dates.');
    if (to < from) throw new Error('The end date is before the start date.');
    return { fromMs: from, toMs: Math.min(to + DAY, now) };
  }
  const days = Number(preset) || 7;
  return { fromMs: now - days * DAY, toMs: now };
}

export class Analytics {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.loaded = false;
    this.error = $('#an-error');
    const today = isoDay(Date.now());
    $('#an-to').value = today;
    $('#an-from').value = isoDay(Date.now() - 29 * DAY);
    $('#an-preset').addEventListener('change', () => {
      const custom = $('#an-preset').value === 'custom';
      $('#an-from-field').hidden = !custom;
      $('#an-to-field').hidden = !custom;
      if (!custom) this.load();
    });
    $('#an-range').addEventListener('submit', (e) => {
      e.preventDefault();
      this.load();
    });
  }

  show() {
    if (!this.loaded) this.load();
  }

  reset() {
    this.loaded = false;
    clear($('#an-stats'));
    clear($('#an-charts'));
    clear($('#an-table'));
    clear(gapsSection());
    $('#an-period').textContent = '';
    showError(this.error, '');
  }

  async load() {
    showError(this.error, '');
    let range;
    try {
      range = rangeFor($('#an-preset').value, $('#an-from').value, $('#an-to').value);
    } catch (err) {
      showError(this.error, err.message);
      return;
    }
    $('#an-stats').setAttribute('aria-busy', 'true');
    try {
      const client = this.getClient();
      // The gap trends come from the knowledge API; a failure there leaves the summary shown.
      const [data, gaps] = await Promise.all([
        client.analytics(range),
        client.request('GET', client.base('/knowledge/gaps'), { query: { status: 'all' } }).catch(() => null),
      ]);
      this.loaded = true;
      this.render(data);
      this.renderGaps(gaps ? gaps.gaps || [] : null);
    } catch (err) {
      showError(this.error, describeError(err));
    } finally {
      $('#an-stats').removeAttribute('aria-busy');
    }
  }

  /**
   * Each unanswered-question group's last 14 days (the knowledge API's `trend`, oldest first),
   * open and answered ones, so a shop sees a gap close after it writes the answer.
   */
  renderGaps(gaps) {
    const section = clear(gapsSection());
    section.append(el('h2', { id: 'an-gaps-h' }, 'Unanswered questions, last 14 days'));
    if (gaps === null) {
      section.append(el('p', { class: 'hint' }, 'The unanswered questions could not be read.'));
      return;
    }
    const shown = gaps.filter((g) => g.status === 'open' || (g.status === 'answered' && (g.trend || []).some((v) => v > 0))).slice(0, MAX_GAP_TRENDS);
    if (!shown.length) {
      section.append(el('p', { class: 'hint' }, 'No unanswered questions in the last 14 days.'));
      return;
    }
    const list = el('ul', { class: 'charts', style: 'list-style: none; padding: 0' });
    for (const gap of shown) {
      const label = gap.examples && gap.examples.length ? gap.examples[0] : `Question group ${gap.gap_id.slice(-6)} (text not stored)`;
      const state = gap.status === 'answered' ? 'answered' : 'open';
      list.append(el('li', { class: 'card chart-card', dataset: { gapTrend: gap.gap_id, status: state } },
        el('p', {}, el('strong', {}, label), ` — ${state}, asked ${fmtNumber(gap.count)}× in all`),
        trendChart(label, gap.trend || [])));
    }
    section.append(list);
  }

  render(d) {
    $('#an-period').textContent = `From ${fmtTime(d.from_ms)} to ${fmtTime(d.to_ms)}.`;
    const ttft = d.ttft_ms || {};
    const tokens = d.tokens || {};
    const feedback = d.feedback || {};
    const check = d.price_check || {};
    const handoff = d.handoff || {};
    const csat = handoff.csat || null;
    const firstReply = handoff.human_first_response_ms || {};
    const stats = [
      ['Conversations', fmtNumber(d.conversations), 'conversations'],
      ['Messages', fmtNumber(d.messages), 'messages'],
      ['Answers', fmtNumber(d.answers), 'answers'],
      ['First token, median', fmtMs(ttft.p50), 'ttft-p50'],
      ['First token, 95th percentile', fmtMs(ttft.p95), 'ttft-p95'],
      ['Tokens in / out', `${fmtNumber(tokens.prompt)} / ${fmtNumber(tokens.completion)}`, 'tokens'],
      ['Estimated AI cost', fmtUsd(d.cost_usd), 'cost'],
      ['Error rate', fmtPercent(d.error_rate), 'error-rate'],
      ['Rated helpful (thumbs up)', fmtNumber(feedback.up), 'thumbs-up'],
      ['Rated unhelpful (thumbs down)', fmtNumber(feedback.down), 'thumbs-down'],
      ['Answers with product cards, price-checked', fmtNumber(check.checked), 'price-checked'],
      ['… naming a price no card shows', `${fmtNumber(check.answers_with_unmatched)} (${fmtNumber(check.unmatched_prices)} prices)`, 'unmatched-prices'],
      ['Satisfaction (CSAT, 1–5)', csat && csat.count ? `${csat.average.toFixed(1)} (${fmtNumber(csat.count)} ratings)` : '–', 'csat'],
      ['Handed to a person', `${fmtPercent(handoff.handoff_rate)} (${fmtNumber(handoff.handoffs)})`, 'handoff-rate'],
      ['Resolved by the assistant', fmtPercent(handoff.ai_resolution_rate), 'ai-resolution'],
      ['First reply by a person, median', firstReply.count ? fmtMs(firstReply.p50) : '–', 'human-first-response'],
    ];
    const dl = clear($('#an-stats'));
    for (const [label, value, key] of stats) {
      dl.append(el('div', { class: 'stat', dataset: { stat: key } }, el('dt', {}, label), el('dd', {}, value)));
    }
    const daily = everyDay(d);
    const charts = clear($('#an-charts'));
    charts.append(
      barChart('Conversations per day', daily, 'conversations', 'bar-conversations'),
      barChart('Answers per day', daily, 'answers', 'bar-answers'),
      barChart('Errors per day', daily, 'errors', 'bar-errors'),
    );
    const tbody = clear($('#an-table'));
    for (const day of daily) {
      tbody.append(el('tr', {}, el('th', { scope: 'row' }, day.day), el('td', {}, fmtNumber(day.conversations)),
        el('td', {}, fmtNumber(day.answers)), el('td', {}, fmtNumber(day.errors))));
    }
    if (!daily.length) tbody.append(el('tr', {}, el('td', { colspan: 4 }, 'No activity in this period.')));
  }
}

/** Where the gap trends go: a section after the charts, made once. */
function gapsSection() {
  let section = document.getElementById('an-gaps');
  if (!section) {
    section = el('section', { id: 'an-gaps', class: 'stack', 'aria-labelledby': 'an-gaps-h' });
    $('#an-charts').after(section);
  }
  return section;
}

/** Most gap groups drawn. */
const MAX_GAP_TRENDS = 12;

/** A small bar chart of one group's daily counts (oldest first, today last). */
export function trendChart(label, trend) {
  const W = 160;
  const H = 36;
  const max = Math.max(1, ...trend);
  const step = trend.length ? W / trend.length : W;
  const total = trend.reduce((a, b) => a + b, 0);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'trend', 'aria-label': `${label}: ${total} in the last ${trend.length} days, ${trend.at(-1) ?? 0} today` });
  trend.forEach((v, i) => {
    const h = (v / max) * (H - 2);
    chart.append(svg('rect', {
      x: (i * step + step * 0.15).toFixed(1), y: (H - h).toFixed(1), width: (step * 0.7).toFixed(1), height: Math.max(v ? 1 : 0, h).toFixed(1), class: 'bar bar-gaps', fill: '#b45309',
    }, svg('title', { text: `${trend.length - 1 - i === 0 ? 'today' : `${trend.length - 1 - i} days ago`}: ${v}` })));
  });
  return chart;
}

/** The answer's daily rows with the quiet days (absent from the answer) filled in as zeros. */
export function everyDay(d) {
  const rows = Array.isArray(d.daily) ? d.daily : [];
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const first = Date.parse(`${isoDay(d.from_ms)}T00:00:00Z`);
  const last = Number.isFinite(d.to_ms) ? d.to_ms - 1 : NaN;
  if (!Number.isFinite(first) || !Number.isFinite(last) || last < first || (last - first) / DAY > 400) return rows;
  const out = [];
  for (let t = first; t <= last; t += DAY) {
    const day = isoDay(t);
    out.push(byDay.get(day) || { day, conversations: 0, answers: 0, errors: 0 });
    byDay.delete(day);
  }
  // Rows outside the range (should not happen) are kept, in order.
  return [...out, ...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** A bar chart of one daily series: an SVG with a title, axis labels and one bar per day. */
export function barChart(title, daily, key, barClass) {
  const W = 320;
  const H = 140;
  const pad = { top: 12, right: 8, bottom: 22, left: 30 };
  const values = daily.map((d) => Number(d[key]) || 0);
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const innerW = W - pad.left - pad.right;
  const innerH = H - pad.top - pad.bottom;
  const step = daily.length ? innerW / daily.length : innerW;
  const barW = Math.max(1, Math.min(28, step * 0.7));
  const id = `chart-${key}`;
  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'chart', preserveAspectRatio: 'xMidYMid meet',
  },
  svg('title', { id: `${id}-t`, text: title }),
  svg('desc', { id: `${id}-d`, text: daily.length ? `${total} in total over ${daily.length} days; the busiest day had ${Math.max(...values)}.` : 'No data in this period.' }),
  svg('line', { x1: pad.left, y1: pad.top + innerH, x2: W - pad.right, y2: pad.top + innerH, class: 'axis' }),
  svg('text', { x: pad.left - 4, y: pad.top + 4, class: 'tick', 'text-anchor': 'end', text: String(max) }),
  svg('text', { x: pad.left - 4, y: pad.top + innerH, class: 'tick', 'text-anchor': 'end', text: '0' }));
  daily.forEach((d, i) => {
    const v = values[i];
    const h = (v / max) * innerH;
    const x = pad.left + i * step + (step - barW) / 2;
    chart.append(svg('rect', {
      x: x.toFixed(1), y: (pad.top + innerH - h).toFixed(1), width: barW.toFixed(1), height: Math.max(v ? 1 : 0, h).toFixed(1), class: `bar ${barClass}`,
    }, svg('title', { text: `${d.day}: ${v}` })));
  });
  if (daily.length) {
    chart.append(
      svg('text', { x: pad.left, y: H - 6, class: 'tick', text: daily[0].day.slice(5) }),
      svg('text', { x: W - pad.right, y: H - 6, class: 'tick', 'text-anchor': 'end', text: daily.at(-1).day.slice(5) }),
    );
  }
  return el('figure', { class: 'card chart-card', dataset: { chart: key } }, el('figcaption', {}, title), chart);
}
