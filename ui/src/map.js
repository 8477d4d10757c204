// Located entities on a world outline (Natural Earth land, 1:110m, from world-atlas)
// in a plain equirectangular projection: no tiles, nothing fetched. A click searches a
// radius around the clicked point, a drag searches a box; the area is drawn too.
import { feature } from "topojson-client";
import land from "world-atlas/land-110m.json";
import { colourOf } from "./graph.js";

const EARTH_KM = 6371;
const outline = feature(land, land.objects.land);

export function circle(lat, lon, km, steps = 72) {
  const rad = Math.PI / 180, d = km / EARTH_KM, p1 = lat * rad, l1 = lon * rad;
  const ring = [];
  for (let i = 0; i <= steps; i++) {
    const b = (i / steps) * 2 * Math.PI;
    const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
    const l2 = l1 + Math.atan2(
      Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
    ring.push([((l2 / rad + 540) % 360) - 180, p2 / rad]);
  }
  return ring;
}

// A ring as a path, split where it crosses 180 degrees so no line runs across the map.
function trace(g, ring, px) {
  let last = null;
  for (const p of ring) {
    const jump = last && Math.abs(p[0] - last[0]) > 180;
    g[last && !jump ? "lineTo" : "moveTo"](...px(p));
    last = p;
  }
}

export class MapView {
  constructor(canvas, { onArea }) {
    this.canvas = canvas;
    this.points = [];
    this.area = null; // {ring: [[lon, lat]...]} or {box: [s, w, n, e]}
    this.onArea = onArea;
    this.drag = null;
    canvas.addEventListener("mousedown", (e) => { this.drag = this.lonLat(e); });
    canvas.addEventListener("mouseup", (e) => this.release(this.lonLat(e)));
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  lonLat(event) {
    const r = this.canvas.getBoundingClientRect();
    const x = (event.clientX - r.left) / r.width, y = (event.clientY - r.top) / r.height;
    return [x * 360 - 180, 90 - y * 180];
  }

  release(end) {
    const start = this.drag;
    this.drag = null;
    if (!start) return;
    const far = Math.abs(end[0] - start[0]) + Math.abs(end[1] - start[1]) > 2;
    if (far) {
      const box = [Math.min(start[1], end[1]), Math.min(start[0], end[0]),
        Math.max(start[1], end[1]), Math.max(start[0], end[0])];
      this.onArea({ box });
    } else {
      this.onArea({ near: { lat: end[1], lon: end[0] } });
    }
  }

  setPoints(points) {
    this.points = points;
    this.draw();
  }

  setArea(area) {
    this.area = area;
    this.draw();
  }

  draw() {
    const c = this.canvas, ratio = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) return;
    c.width = w * ratio;
    c.height = h * ratio;
    const g = c.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const px = ([lon, lat]) => [((lon + 180) / 360) * w, ((90 - lat) / 180) * h];
    g.fillStyle = "#eaf2fb";
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#d9d4c7";
    g.strokeStyle = "#a39e90";
    g.lineWidth = 0.5;
    for (const f of outline.features) {
      const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const polygon of polygons) {
        g.beginPath();
        for (const ring of polygon) trace(g, ring, px);
        g.fill("evenodd");
        g.stroke();
      }
    }
    this.drawArea(g, px);
    for (const p of this.points) {
      const [x, y] = px([p.lon, p.lat]);
      g.beginPath();
      g.arc(x, y, p.inside ? 5 : 3.5, 0, 2 * Math.PI);
      g.fillStyle = p.inside ? "#d62728" : colourOf(p.label);
      g.fill();
      g.strokeStyle = "#ffffff";
      g.stroke();
    }
  }

  drawArea(g, px) {
    if (!this.area) return;
    g.strokeStyle = "#d62728";
    g.fillStyle = "rgba(214, 39, 40, 0.12)";
    g.lineWidth = 1.5;
    g.beginPath();
    if (this.area.box) {
      const [s, w, n, e] = this.area.box;
      const [x0, y0] = px([w, n]), [x1, y1] = px([e, s]);
      g.rect(x0, y0, x1 - x0, y1 - y0);
    } else {
      trace(g, this.area.ring, px);
    }
    g.fill();
    g.stroke();
  }
}
