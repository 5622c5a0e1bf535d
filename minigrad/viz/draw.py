"""Turning a `Graph` into a picture: with Graphviz's `dot` where installed, else by itself.

The built-in drawing lays the graph out in layers as `dot` does, top to
bottom in the direction data flows: the output(s) on the bottom layer, every
other box one layer above the highest box that consumes it (so a bias sits
just above the op that adds it, not at the very top), boxes ordered within
their layer by the mean position of their neighbours (a few sweeps down and
up, the barycentre heuristic, to uncross edges). SVG is written as plain text,
with no dependency; PNG is drawn with matplotlib, from the `train` extra.
"""
import shutil
import subprocess

CHAR_WIDTH, LINE_HEIGHT, FONT_SIZE = 7.0, 14, 11
PAD_X, PAD_Y, GAP_X, GAP_Y, MARGIN = 8, 6, 18, 36, 12
COLORS = {"lightgrey": "#d3d3d3", "lightblue": "#add8e6", "orange": "#ffa500",
          "darkolivegreen1": "#caff70"}


def graphviz_available():
    return shutil.which("dot") is not None


def with_graphviz(source, format):
    if not graphviz_available():
        raise RuntimeError("Graphviz's `dot` program is not on the PATH: install Graphviz "
                           "(e.g. apt-get install graphviz), or draw with drawer='builtin'")
    result = subprocess.run(["dot", f"-T{format}"], input=source.encode("utf-8"),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dot -T{format} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


def builtin(graph, format):
    if format == "svg":
        return svg(layout(graph)).encode("utf-8")
    if format == "png":
        return png(layout(graph))
    raise ValueError(f"without Graphviz, graphs are drawn as 'svg' or 'png', not {format!r}: "
                     "install Graphviz for other formats")


class Box:
    __slots__ = ("id", "lines", "color", "layer", "order", "x", "y", "width", "height")

    def __init__(self, node_id, lines, color):
        self.id, self.lines, self.color = node_id, lines, color
        self.width = max(len(line) for line in lines) * CHAR_WIDTH + 2 * PAD_X
        self.height = len(lines) * LINE_HEIGHT + 2 * PAD_Y
        self.layer = self.order = self.x = self.y = 0


class Layout:
    def __init__(self, boxes, edges, width, height):
        self.boxes, self.edges, self.width, self.height = boxes, edges, width, height


def layout(graph):
    """Place every box: layers by distance from the outputs, order by barycentres."""
    boxes = {node_id: Box(node_id, lines, color) for node_id, lines, color in graph.nodes}
    consumers = {node_id: [] for node_id in boxes}
    producers = {node_id: [] for node_id in boxes}
    for tail, head, _ in graph.edges:
        consumers[tail].append(head)
        producers[head].append(tail)

    # Distance from the bottom: 0 for boxes nothing consumes, else one above the highest consumer.
    depth = {}
    for start in boxes:
        stack = [start]
        while stack:
            node_id = stack[-1]
            if node_id in depth:
                stack.pop()
                continue
            waiting = [c for c in consumers[node_id] if c not in depth]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            depth[node_id] = 1 + max((depth[c] for c in consumers[node_id]), default=-1)
    top = max(depth.values(), default=0)
    layers = [[] for _ in range(top + 1)]
    for node_id in boxes:  # creation order: outputs first, then as the graph was walked
        boxes[node_id].layer = top - depth[node_id]
        layers[boxes[node_id].layer].append(boxes[node_id])

    def reorder(layer, neighbours):
        for box in layer:
            positions = [boxes[n].order for n in neighbours[box.id]]
            box.x = sum(positions) / len(positions) if positions else box.order
        layer.sort(key=lambda b: b.x)
        for order, box in enumerate(layer):
            box.order = order

    for layer in layers:
        for order, box in enumerate(layer):
            box.order = order
    for _ in range(4):
        for layer in layers[1:]:
            reorder(layer, producers)
        for layer in reversed(layers[:-1]):
            reorder(layer, consumers)

    widths = [sum(b.width for b in layer) + GAP_X * (len(layer) - 1) for layer in layers]
    width = max(widths, default=0) + 2 * MARGIN
    y = MARGIN
    for layer, layer_width in zip(layers, widths):
        x = (width - layer_width) / 2
        for box in layer:
            box.x, box.y = x, y
            x += box.width + GAP_X
        y += max((b.height for b in layer), default=0) + GAP_Y
    edges = [(boxes[tail], boxes[head], dashed) for tail, head, dashed in graph.edges]
    return Layout(list(boxes.values()), edges, width, y - GAP_Y + MARGIN)


def _edge_points(tail, head):
    x0, y0 = tail.x + tail.width / 2, tail.y + tail.height
    x1, y1 = head.x + head.width / 2, head.y
    bend = max((y1 - y0) / 2, GAP_Y / 2)
    return x0, y0, x1, y1, bend


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(placed):
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{placed.width:.0f}" '
             f'height="{placed.height:.0f}" viewBox="0 0 {placed.width:.0f} {placed.height:.0f}" '
             f'font-family="monospace" font-size="{FONT_SIZE}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
             '</marker></defs>',
             f'<rect width="{placed.width:.0f}" height="{placed.height:.0f}" fill="white"/>']
    for tail, head, dashed in placed.edges:
        x0, y0, x1, y1, bend = _edge_points(tail, head)
        dash = ' stroke-dasharray="4,3"' if dashed else ""
        parts.append(f'<path d="M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 + bend:.1f} {x1:.1f},'
                     f'{y1 - bend:.1f} {x1:.1f},{y1:.1f}" fill="none" stroke="#333"{dash} '
                     'marker-end="url(#arrow)"/>')
    for box in placed.boxes:
        parts.append(f'<g class="node" id="{box.id}"><rect x="{box.x:.1f}" y="{box.y:.1f}" '
                     f'width="{box.width:.1f}" height="{box.height:.1f}" '
                     f'fill="{COLORS.get(box.color, box.color)}" stroke="black"/>')
        for k, line in enumerate(box.lines):
            parts.append(f'<text x="{box.x + PAD_X:.1f}" '
                         f'y="{box.y + PAD_Y + (k + 0.8) * LINE_HEIGHT:.1f}" '
                         f'xml:space="preserve">{_escape(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(placed, dpi=100):
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, Rectangle
    except ImportError:
        raise ImportError("drawing a PNG without Graphviz needs matplotlib: "
                          "pip install -e '.[train]' (or draw as format='svg')") from None
    import io

    figure = Figure(figsize=(placed.width / dpi, placed.height / dpi), dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, placed.width)
    axes.set_ylim(placed.height, 0)
    axes.axis("off")
    points_per_pixel = 72 / dpi
    for tail, head, dashed in placed.edges:
        x0, y0, x1, y1, _ = _edge_points(tail, head)
        axes.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=10,
                                       linestyle="--" if dashed else "-", color="#333",
                                       connectionstyle="arc3,rad=0"))
    for box in placed.boxes:
        axes.add_patch(Rectangle((box.x, box.y), box.width, box.height,
                                 facecolor=COLORS.get(box.color, box.color), edgecolor="black"))
        for k, line in enumerate(box.lines):
            axes.text(box.x + PAD_X, box.y + PAD_Y + (k + 0.8) * LINE_HEIGHT, line,
                      family="monospace", fontsize=FONT_SIZE * points_per_pixel)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
