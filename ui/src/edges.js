// Edge programs for the canvas: sigma's rectangle edge (width in pixels) drawn without
// instancing, and its dashed variant for closed facts.
//
// Sigma's own rectangle program draws each edge as an instance of one shared quad.
// Under software WebGL (SwiftShader: a browser without a GPU, as in the tests and the
// benchmark) every instance carries a large fixed cost, so thousands of edges made each
// frame slow (docs/performance.md); the same quads written out as six plain vertices
// per edge are cheap. Same shaders, same look.
import { EdgeRectangleProgram } from "sigma/rendering";
import { floatColor } from "sigma/utils";

const { FLOAT, UNSIGNED_BYTE } = WebGLRenderingContext;

// The quad's corners: [0 at the source, 1 at the target; side of the normal].
const CORNERS = [[0, 1], [0, -1], [1, 1], [1, 1], [0, -1], [1, -1]];

export class EdgeQuadProgram extends EdgeRectangleProgram {
  getDefinition() {
    const { CONSTANT_ATTRIBUTES, CONSTANT_DATA, ...definition } = super.getDefinition();
    return {
      ...definition,
      ATTRIBUTES: [
        { name: "a_positionStart", size: 2, type: FLOAT },
        { name: "a_positionEnd", size: 2, type: FLOAT },
        { name: "a_normal", size: 2, type: FLOAT },
        { name: "a_positionCoef", size: 1, type: FLOAT },
        { name: "a_normalCoef", size: 1, type: FLOAT },
        { name: "a_color", size: 4, type: UNSIGNED_BYTE, normalized: true },
        { name: "a_id", size: 4, type: UNSIGNED_BYTE, normalized: true },
      ],
    };
  }

  processVisibleItem(edgeIndex, startIndex, source, target, data) {
    const thickness = data.size || 1;
    const dx = target.x - source.x, dy = target.y - source.y;
    const length = Math.sqrt(dx * dx + dy * dy);
    const n1 = length ? (-dy / length) * thickness : 0;
    const n2 = length ? (dx / length) * thickness : 0;
    const color = floatColor(data.color);
    const array = this.array;
    let i = startIndex;
    for (const [positionCoef, normalCoef] of CORNERS) {
      array[i++] = source.x; array[i++] = source.y;
      array[i++] = target.x; array[i++] = target.y;
      array[i++] = n1; array[i++] = n2;
      array[i++] = positionCoef; array[i++] = normalCoef;
      array[i++] = color; array[i++] = edgeIndex;
    }
  }
}
