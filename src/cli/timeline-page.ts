/**
 * The script of the timeline page (src/cli/timeline.ts writes it into the
 * page as the source of timelinePage()): it reads the Timeline from the
 * page's JSON, draws the rows, bars, marks and arrows as SVG, the time axis
 * above them, and handles zoom, pan and the hover tooltip.
 *
 * timelinePage() runs in the browser, alone: it may use nothing from this
 * module or any other, only the page. The few DOM types it uses are declared
 * here, for this module only, so that the rest of the package stays typed
 * for Node.
 *
 * What the tests rely on: each row's label has data-row (its index),
 * data-row-kind ("task" or "worker") and data-task or data-worker (its name);
 * each bar or mark has data-kind ("task", "step", "wait", "job", "mark"),
 * data-name, data-task or data-worker (its row's name), data-ts and data-dur
 * (microseconds); each arrow has data-kind "flow" and data-cat.
 *
 * @module
 */

import type { Timeline, TimelineItem, TimelineRow } from "./timeline.js";

// The DOM, as far as timelinePage() uses it.
interface PageEvent {
  readonly target: unknown;
  preventDefault(): void;
}
interface PageMouseEvent extends PageEvent {
  readonly clientX: number;
  readonly clientY: number;
  readonly button: number;
}
interface PageWheelEvent extends PageMouseEvent {
  readonly deltaX: number;
  readonly deltaY: number;
  readonly deltaMode: number;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}
interface PageKeyEvent extends PageEvent {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}
interface PageElement {
  textContent: string | null;
  hidden: boolean;
  className: string;
  readonly clientWidth: number;
  readonly clientHeight: number;
  readonly scrollTop: number;
  readonly style: { setProperty(name: string, value: string): void };
  readonly classList: { add(name: string): void; remove(name: string): void };
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  appendChild(child: PageElement): void;
  replaceChildren(...children: PageElement[]): void;
  closest(selector: string): PageElement | null;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  addEventListener<E extends PageEvent>(
    type: string,
    listener: (event: E) => void,
    options?: { passive: boolean },
  ): void;
}
interface PageCanvas extends PageElement {
  getContext(kind: "2d"): { font: string; measureText(text: string): { width: number } } | null;
}
declare const document: {
  readonly body: PageElement;
  getElementById(id: string): PageElement | null;
  createElement(tag: "canvas"): PageCanvas;
  createElement(tag: string): PageElement;
  createElementNS(namespace: string, tag: string): PageElement;
};
declare const window: {
  readonly innerWidth: number;
  readonly innerHeight: number;
  addEventListener<E extends PageEvent>(type: string, listener: (event: E) => void): void;
  requestAnimationFrame(callback: () => void): number;
};

/**
 * Draws the timeline of the page's JSON and makes it interactive. Runs in
 * the browser: timeline.ts puts its source (`toString()`) into the page, so
 * it must stay self-contained, using nothing outside its own body. tsc
 * compiles it as written; a build that wraps functions in helpers (a
 * bundler's keepNames, for one) would break the page, and the browser tests
 * would say so.
 */
export function timelinePage(): void {
  const SVG = "http://www.w3.org/2000/svg";
  const ROW = 24; // A row's height.
  const GROUP = 22; // A group heading's height.
  const LABEL_FONT = '11px system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';

  const byId = (id: string): PageElement => {
    const found = document.getElementById(id);
    if (found === null) throw new Error(`the timeline page has no #${id}`);
    return found;
  };
  const svg = (tag: string, attrs: Record<string, string | number>, parent?: PageElement): PageElement => {
    const el = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
    parent?.appendChild(el);
    return el;
  };
  const html = (tag: string, className: string, text?: string, parent?: PageElement): PageElement => {
    const el = document.createElement(tag);
    if (className !== "") el.className = className;
    if (text !== undefined) el.textContent = text;
    parent?.appendChild(el);
    return el;
  };

  const timeline = JSON.parse(byId("timeline-data").textContent ?? "") as Timeline;
  const { rows, items, flows } = timeline;
  const labels = byId("labels");
  const plot = byId("plot");
  const chart = byId("chart");
  const axis = byId("axis");
  const tooltip = byId("tooltip");

  /** "1.204 s", "12.5 ms", "830 µs": a time or duration in microseconds, to about 4 digits. */
  const formatTime = (us: number): string => {
    const abs = Math.abs(us);
    const [value, unit] = abs >= 1e6 ? [us / 1e6, "s"] : abs >= 1e3 ? [us / 1e3, "ms"] : [us, "µs"];
    const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 10 ? 2 : 3;
    return `${String(Number(value.toFixed(digits)))} ${unit}`;
  };
  const rowName = (row: TimelineRow): string => (row.coro === "" ? row.name : `${row.name} ${row.coro}`);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

  const tasks = rows.filter((row) => row.kind === "task").length;
  const workers = rows.length - tasks;
  byId("summary").textContent = [
    plural(tasks, "task"),
    workers === 0 ? "" : plural(workers, "worker thread"),
    `${formatTime(timeline.end)} recorded`,
    timeline.producer,
  ]
    .filter((part) => part !== "")
    .join(" · ");

  // Vertical layout: a heading per group (tasks, worker threads), then its rows.
  const rowY: number[] = [];
  let height = 0;
  const groupBackgrounds: number[] = [];
  rows.forEach((row, i) => {
    if (i === 0 || rows[i - 1]!.kind !== row.kind) {
      const heading =
        row.kind === "task" ? `Event loop: ${plural(tasks, "task")}` : `Worker threads: ${plural(workers, "thread")}`;
      html("div", "group", heading, labels).setAttribute("data-group", row.kind);
      groupBackgrounds.push(height);
      height += GROUP;
    }
    const label = html("div", `label ${row.kind}`, undefined, labels);
    label.setAttribute("data-row", String(i));
    label.setAttribute("data-row-kind", row.kind);
    label.setAttribute(row.kind === "task" ? "data-task" : "data-worker", row.name);
    label.setAttribute("title", row.state === "" ? rowName(row) : `${rowName(row)} (${row.state})`);
    html("span", "name", row.name, label);
    if (row.coro !== "") html("span", "coro", row.coro, label);
    if (row.state !== "" && row.state !== "finished") html("span", `state ${row.state}`, row.state, label);
    rowY.push(height);
    height += ROW;
  });
  chart.setAttribute("height", String(height));

  // The chart's layers, bottom up.
  const defs = svg("defs", {}, chart);
  for (const cat of ["create", "cancel", "job", "job-done"]) {
    const marker = svg(
      "marker",
      { id: `arrow-${cat}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" },
      defs,
    );
    svg("path", { d: "M0,0 L10,5 L0,10 z", class: `arrowhead ${cat}` }, marker);
  }
  const backgrounds = svg("g", {}, chart);
  const grid = svg("g", {}, chart);
  const barLayer = svg("g", {}, chart);
  const textLayer = svg("g", {}, chart);
  const flowLayer = svg("g", {}, chart);
  const wideRects: PageElement[] = [];
  rows.forEach((_row, i) => {
    wideRects.push(
      svg("rect", { class: `row-bg${i % 2 === 1 ? " odd" : ""}`, x: 0, y: rowY[i]!, height: ROW }, backgrounds),
    );
  });
  for (const y of groupBackgrounds)
    wideRects.push(svg("rect", { class: "group-bg", x: 0, y, height: GROUP }, backgrounds));

  const measure = document.createElement("canvas").getContext("2d");
  if (measure !== null) measure.font = LABEL_FONT;
  const textWidth = (text: string): number => measure?.measureText(text).width ?? text.length * 6.5;

  /** A bar, mark or arrow: the rows it spans (pixels), the view it was last drawn for, and how to draw it. */
  interface Shape {
    top: number;
    bottom: number;
    drawn: number;
    draw(): void;
  }
  const shapes: Shape[] = [];
  const markClass = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const tag = (el: PageElement, item: TimelineItem, i: number): void => {
    const row = rows[item.row]!;
    el.setAttribute("data-i", String(i));
    el.setAttribute("data-kind", item.kind);
    el.setAttribute("data-name", item.name);
    el.setAttribute(row.kind === "task" ? "data-task" : "data-worker", row.name);
    el.setAttribute("data-ts", String(item.ts));
    el.setAttribute("data-dur", String(item.dur));
  };
  items.forEach((item, i) => {
    const y = rowY[item.row]!;
    if (item.kind === "mark") {
      const el = svg("path", { class: `mark ${markClass(item.name)}`, d: "M0,-5 L4,0 L0,5 L-4,0 z" }, flowLayer);
      tag(el, item, i);
      shapes.push({
        top: y,
        bottom: y + ROW,
        drawn: 0,
        draw: () => el.setAttribute("transform", `translate(${x(item.ts)},${y + 5})`),
      });
      return;
    }
    const onJob = item.kind === "wait" && item.args.awaitsJob !== undefined;
    const [top, size] = item.kind === "task" ? [3, ROW - 6] : [5, ROW - 10];
    const rect = svg(
      "rect",
      {
        class: `${item.kind === "task" ? "life" : item.kind}${onJob ? " on-job" : ""}`,
        y: y + top,
        height: size,
        rx: 2,
      },
      barLayer,
    );
    tag(rect, item, i);
    let label: PageElement | undefined;
    let labelWidth = 0;
    if (item.kind === "wait" || item.kind === "job") {
      const className = item.kind === "job" ? "job-label" : `bar-label${onJob ? " on-job" : ""}`;
      label = svg("text", { class: className, y: y + ROW / 2 + 4 }, textLayer);
      labelWidth = textWidth(item.name);
    }
    const draw = (): void => {
      const left = clampX(x(item.ts));
      const right = clampX(x(item.ts + item.dur));
      rect.setAttribute("x", String(left));
      // A step of a few microseconds stays visible as a thin line.
      rect.setAttribute("width", String(Math.max(right - left, item.kind === "step" ? 2 : 1)));
      if (label === undefined) return;
      // The label, inside the visible part of the bar, cut to fit.
      const room = Math.min(right, width) - Math.max(left, 0) - 8;
      let text = "";
      if (room >= labelWidth) text = item.name;
      else if (room >= 24) {
        const chars = Math.floor((item.name.length * room) / labelWidth) - 1;
        text = chars >= 2 ? `${item.name.slice(0, chars)}…` : "";
      }
      label.setAttribute("x", String(Math.max(left, 0) + 4));
      label.textContent = text;
    };
    shapes.push({ top: y, bottom: y + ROW, drawn: 0, draw });
  });
  const arrows = flows.map((flow) => {
    const el = svg("path", { class: `flow ${flow.cat}`, "marker-end": `url(#arrow-${flow.cat})` }, flowLayer);
    el.setAttribute("data-kind", "flow");
    el.setAttribute("data-cat", flow.cat);
    el.setAttribute("data-from", rows[flow.from]!.name);
    el.setAttribute("data-to", rows[flow.to]!.name);
    const down = flow.to > flow.from;
    const y0 = rowY[flow.from]! + (flow.from === flow.to ? ROW / 2 : down ? ROW - 4 : 4);
    const y1 = rowY[flow.to]! + (flow.from === flow.to ? ROW / 2 : down ? 4 : ROW - 4);
    const draw = (): void => {
      const x0 = clampX(x(flow.ts));
      const x1 = clampX(x(flow.endTs));
      const bend = (y1 - y0) / 2;
      el.setAttribute("d", `M${x0},${y0} C${x0},${y0 + bend} ${x1},${y1 - bend} ${x1},${y1}`);
    };
    shapes.push({ top: Math.min(y0, y1), bottom: Math.max(y0, y1), drawn: 0, draw });
    return { flow, el };
  });
  arrows.forEach(({ el }, i) => el.setAttribute("data-f", String(i)));

  // The view: the time span shown across the plot's width.
  const span = Math.max(timeline.end, 1);
  const home = { start: -span * 0.01, end: span * 1.02 };
  const view = { ...home };
  let width = 800;
  const x = (t: number): number => ((t - view.start) / (view.end - view.start)) * width;
  const timeAt = (px: number): number => view.start + (px / width) * (view.end - view.start);
  const clampX = (px: number): number => Math.min(Math.max(px, -100), width + 100);

  /** The first step of 1, 2 or 5 times a power of ten that puts ticks at least `px` apart. */
  const tickStep = (px: number): number => {
    const raw = ((view.end - view.start) * px) / width;
    const power = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power;
  };
  const tickLabel = (t: number, step: number): string => {
    // Seconds from a step of 0.1 s, or of 1 ms a second into the run; else milliseconds or microseconds.
    const seconds = step >= 1e5 || (step >= 1e3 && view.end >= 1e6);
    const [scale, unit] = seconds ? [1e6, "s"] : step >= 100 ? [1e3, "ms"] : [1, "µs"];
    const decimals = Math.max(0, -Math.floor(Math.log10(step / scale) + 1e-9));
    return t === 0 ? "0" : `${(t / scale).toFixed(decimals)} ${unit}`;
  };

  const draw = (): void => {
    width = Math.max(plot.clientWidth, 100);
    chart.setAttribute("width", String(width));
    axis.setAttribute("width", String(width));
    for (const rect of wideRects) rect.setAttribute("width", String(width));

    const step = tickStep(90);
    const ticks: PageElement[] = [];
    const lines: PageElement[] = [];
    for (let t = Math.ceil(view.start / step) * step; t <= view.end; t += step) {
      const px = x(t);
      ticks.push(svg("line", { x1: px, x2: px, y1: 18, y2: 26 }));
      const text = tickLabel(t, step);
      // The last label, where it would be cut at the right edge, ends at its tick instead.
      const right = px + 3 + textWidth(text) > width;
      const label = svg("text", { x: right ? px - 3 : px + 3, y: 14, "text-anchor": right ? "end" : "start" });
      label.textContent = text;
      ticks.push(label);
      lines.push(svg("line", { class: "grid", x1: px, x2: px, y1: 0, y2: height }));
    }
    axis.replaceChildren(...ticks);
    grid.replaceChildren(...lines);

    generation++;
    drawVisible();
  };

  // Of the bars, marks and arrows, only those in or near the rows scrolled
  // into view are drawn at once; the others when they scroll in.
  const scroller = byId("scroll");
  let generation = 0;
  const drawVisible = (): void => {
    const top = scroller.scrollTop - 400;
    const bottom = scroller.scrollTop + scroller.clientHeight + 400;
    for (const shape of shapes) {
      if (shape.drawn === generation || shape.bottom < top || shape.top > bottom) continue;
      shape.drawn = generation;
      shape.draw();
    }
  };
  scroller.addEventListener("scroll", () => {
    window.requestAnimationFrame(drawVisible);
  });

  let pending = false;
  const redraw = (): void => {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };

  /** Keeps the view inside the whole run, and at least 1 µs wide. */
  const setView = (start: number, end: number): void => {
    const full = home.end - home.start;
    const size = Math.min(Math.max(end - start, 1), full);
    const from = Math.min(Math.max(start, home.start), home.end - size);
    view.start = from;
    view.end = from + size;
    redraw();
  };
  /** Zooms by `factor` (above 1: in) keeping the time under `px` where it is. */
  const zoom = (factor: number, px = width / 2): void => {
    const anchor = timeAt(px);
    const size = (view.end - view.start) / factor;
    setView(anchor - (px / width) * size, anchor - (px / width) * size + size);
  };
  const pan = (px: number): void => {
    const dt = (px / width) * (view.end - view.start);
    setView(view.start + dt, view.end + dt);
  };

  byId("zoom-in").addEventListener("click", () => zoom(2));
  byId("zoom-out").addEventListener("click", () => zoom(0.5));
  byId("zoom-reset").addEventListener("click", () => setView(home.start, home.end));
  const onWheel =
    (overAxis: boolean) =>
    (event: PageWheelEvent): void => {
      const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
      const dx = event.deltaX * scale;
      const dy = event.deltaY * scale;
      if (overAxis || event.ctrlKey || event.metaKey) {
        event.preventDefault();
        zoom(Math.exp(-(dy || dx) * 0.002), event.clientX - plot.getBoundingClientRect().left);
      } else if (event.shiftKey || Math.abs(dx) > Math.abs(dy)) {
        event.preventDefault();
        pan(event.shiftKey ? dy || dx : dx);
      }
      // Else the rows scroll, as usual.
    };
  plot.addEventListener("wheel", onWheel(false), { passive: false });
  axis.addEventListener("wheel", onWheel(true), { passive: false });

  let drag: { x: number; start: number; end: number } | undefined;
  plot.addEventListener("mousedown", (event: PageMouseEvent) => {
    if (event.button !== 0) return;
    event.preventDefault();
    drag = { x: event.clientX, start: view.start, end: view.end };
    plot.classList.add("dragging");
    tooltip.hidden = true;
  });
  window.addEventListener("mousemove", (event: PageMouseEvent) => {
    if (drag === undefined) return;
    const dt = ((event.clientX - drag.x) / width) * (drag.end - drag.start);
    setView(drag.start - dt, drag.end - dt);
  });
  window.addEventListener("mouseup", () => {
    drag = undefined;
    plot.classList.remove("dragging");
  });
  window.addEventListener("keydown", (event: PageKeyEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const actions: Record<string, () => void> = {
      "+": () => zoom(2),
      "=": () => zoom(2),
      "-": () => zoom(0.5),
      "0": () => setView(home.start, home.end),
      ArrowLeft: () => pan(-width / 5),
      ArrowRight: () => pan(width / 5),
    };
    const action = actions[event.key];
    if (action === undefined) return;
    event.preventDefault();
    action();
  });
  window.addEventListener("resize", redraw);

  // The tooltip: what is under the pointer, with its times and args.
  const show = (title: string, kind: string, facts: [string, string][], event: PageMouseEvent): void => {
    const table = html("table", "");
    for (const [key, value] of facts) {
      const tr = html("tr", "", undefined, table);
      html("td", "", key, tr);
      html("td", "", value, tr);
    }
    tooltip.replaceChildren(html("div", "title", title), html("div", "kind", kind), table);
    tooltip.hidden = false;
    const box = tooltip.getBoundingClientRect();
    const left = Math.min(event.clientX + 14, window.innerWidth - box.width - 6);
    const top =
      event.clientY + 16 + box.height > window.innerHeight ? event.clientY - box.height - 10 : event.clientY + 16;
    tooltip.style.setProperty("left", `${Math.max(left, 4)}px`);
    tooltip.style.setProperty("top", `${Math.max(top, 4)}px`);
  };
  const argText = (value: unknown): string => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  };
  const KINDS = {
    task: "task lifetime",
    step: "step: the task's code running",
    wait: "wait",
    job: "worker thread job",
    mark: "event",
  };
  plot.addEventListener("mousemove", (event: PageMouseEvent) => {
    if (drag !== undefined) return;
    const target = event.target as PageElement | null;
    const el = target?.closest("[data-i], [data-f]") ?? null;
    if (el === null) {
      tooltip.hidden = true;
      return;
    }
    const f = el.getAttribute("data-f");
    if (f !== null) {
      const { flow } = arrows[Number(f)]!;
      const facts: [string, string][] = [
        ["from", `${rowName(rows[flow.from]!)} at ${formatTime(flow.ts)}`],
        ["to", `${rowName(rows[flow.to]!)} at ${formatTime(flow.endTs)}`],
      ];
      if (flow.endTs !== flow.ts) facts.push(["after", formatTime(flow.endTs - flow.ts)]);
      const titles: Record<string, string> = {
        create: "created",
        cancel: "cancelled",
        job: "job sent",
        "job-done": "job done",
      };
      show(titles[flow.cat] ?? flow.cat, `arrow: ${flow.cat}`, facts, event);
      return;
    }
    const item = items[Number(el.getAttribute("data-i"))]!;
    const row = rows[item.row]!;
    const facts: [string, string][] =
      item.kind === "mark"
        ? [["at", formatTime(item.ts)]]
        : [
            ["start", formatTime(item.ts)],
            ["end", formatTime(item.ts + item.dur)],
            ["duration", formatTime(item.dur)],
          ];
    for (const [key, value] of Object.entries(item.args)) facts.push([key, argText(value)]);
    show(item.name, `${KINDS[item.kind]} · ${rowName(row)}`, facts, event);
  });
  plot.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
  });

  draw();
  document.body.setAttribute("data-ready", "true");
}
