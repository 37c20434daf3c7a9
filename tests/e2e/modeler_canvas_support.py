"""Driving the modeler like a person with a mouse: palette clicks, drops, context-pad connections
dragged onto their target, and the side panel's forms. Positions are diagram coordinates, turned into
screen points through the canvas's viewbox (so the test does not depend on the zoom)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

MODELER = "window.ticketflowModeler.modeler"


def shape(element_id: str) -> str:
    return f".djs-element[data-element-id='{element_id}']"


def to_screen(page: Page, x: float, y: float) -> tuple[float, float]:
    point: list[float] = page.evaluate(
        """([x, y]) => {
            const canvas = window.ticketflowModeler.modeler.get('canvas');
            const box = canvas.getContainer().getBoundingClientRect();
            const view = canvas.viewbox();
            return [box.left + (x - view.x) * view.scale, box.top + (y - view.y) * view.scale];
        }""",
        [x, y],
    )
    return point[0], point[1]


def centre(page: Page, element_id: str) -> tuple[float, float]:
    box = page.locator(f"{shape(element_id)} .djs-hit").first.bounding_box()
    assert box is not None, element_id
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def selected(page: Page) -> str:
    ids: list[str] = page.evaluate(f"{MODELER}.get('selection').get().map((e) => e.id)")
    assert len(ids) == 1, ids
    return ids[0]


def select(page: Page, element_id: str) -> None:
    """Clicks a shape until it is selected: diagram-js may swallow the first click after a drop."""
    chosen = page.locator(f"{shape(element_id)}.selected")
    for _ in range(3):
        page.mouse.click(*centre(page, element_id))
        try:
            expect(chosen).to_be_attached(timeout=1_000)
            return
        except AssertionError:
            click_empty(page)
    expect(chosen).to_be_attached()


def click_empty(page: Page, x: float = 60, y: float = 420) -> None:
    """A click on empty canvas: commits a label being typed and clears diagram-js's click trap."""
    page.mouse.click(*to_screen(page, x, y))


def create(page: Page, kind: str, x: float, y: float, name: str = "") -> str:
    """A ``kind`` (``user-task``, ``end-event`` …) from the palette dropped at (x, y); its new id."""
    page.locator(f".djs-palette .entry[data-action='create.{kind}']").click()
    target = to_screen(page, x, y)
    page.mouse.move(target[0] - 40, target[1] - 40)
    page.mouse.move(*target, steps=8)
    page.mouse.click(*target)
    element_id = selected(page)
    if name:
        editor = page.locator(".djs-direct-editing-parent")
        if not editor.is_visible():
            page.mouse.dblclick(*centre(page, element_id))
        expect(editor).to_be_visible()
        page.keyboard.type(name)
    click_empty(page)
    return element_id


def connect(page: Page, source: str, target: str) -> str:
    """Drags the connect handle of ``source``'s context pad onto ``target``; the new flow's id.

    The handle starts diagram-js's drag from the browser's native ``dragstart``, which Playwright
    intercepts asynchronously: on a loaded machine the first moves can pass before the drag has
    begun, and the gesture then draws nothing. So each step waits for the modeler to report the
    drag (and, before the drop, the target under it), and a gesture that never began is made again.
    """
    for _ in range(3):
        flow = _drag_connection(page, source, target)
        if flow:
            return flow
        page.mouse.up()
        page.keyboard.press("Escape")
    raise AssertionError(f"no flow from {source} to {target}")


def _drag_connection(page: Page, source: str, target: str) -> str:
    click_empty(page)
    page.mouse.click(*centre(page, source))
    handle = page.locator(".djs-context-pad .entry[data-action='connect']")
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 12, y + 6, steps=4)
    if not _modeler_says(page, "(d) => d.context() !== null && d.context().prefix === 'connect'"):
        return ""
    # Dropped below the target's middle: the arrow then bends into it there, so two arrows that leave
    # one shape the same way part early enough to be told apart (and clicked) later.
    drop = page.locator(f"{shape(target)} .djs-hit").first.bounding_box()
    assert drop is not None
    low = drop["height"] * 0.3 if drop["height"] > 50 else 0
    page.mouse.move(drop["x"] + drop["width"] / 2, drop["y"] + drop["height"] / 2 + low, steps=12)
    hover = f"(d) => d.context() !== null && (d.context().payload.hover || {{}}).id === '{target}'"
    if not _modeler_says(page, hover):
        return ""
    page.mouse.up()
    flow: str = page.evaluate(
        f"""([source, target]) => {MODELER}.get('elementRegistry')
            .filter((e) => e.type === 'bpmn:SequenceFlow' && e.source.id === source && e.target.id === target)
            .map((e) => e.id)[0] || ''""",
        [source, target],
    )
    return flow


def _modeler_says(page: Page, predicate: str) -> bool:
    """Whether ``predicate`` of the modeler's dragging service comes true within two seconds."""
    try:
        page.wait_for_function(f"({predicate})({MODELER}.get('dragging'))", timeout=2_000)
    except PlaywrightTimeoutError:
        return False
    return True


# Where a click selects the element: a shape below its middle (an arrow passing over it may run
# through its middle), a flow at a point of its own, away from other flows and from shapes.
_FREE_POINT = """(id) => {
    const registry = MODELER.get('elementRegistry');
    const element = registry.get(id);
    if (!element.waypoints) return [element.x + element.width / 2, element.y + element.height * 0.8];
    const flows = registry.filter((e) => e.waypoints && e.id !== id);
    const shapes = registry.filter((e) => !e.waypoints && e.type !== 'label' && e.parent);
    const away = (p, a, b) => {
        const dx = b.x - a.x, dy = b.y - a.y, length = dx * dx + dy * dy || 1;
        const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length));
        return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
    };
    const offFlows = (p) =>
        flows.every((f) => f.waypoints.slice(1).every((b, i) => away(p, f.waypoints[i], b) > 10));
    const outside = (p, s) =>
        p.x < s.x - 5 || p.x > s.x + s.width + 5 || p.y < s.y - 5 || p.y > s.y + s.height + 5;
    const free = (p) => offFlows(p) && shapes.every((s) => outside(p, s));
    for (const t of [0.5, 0.35, 0.65, 0.2, 0.8]) {
        for (let i = 1; i < element.waypoints.length; i++) {
            const a = element.waypoints[i - 1], b = element.waypoints[i];
            const p = { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
            if (free(p)) return [p.x, p.y];
        }
    }
    throw new Error(`no free point on ${id}`);
}"""


def open_panel(page: Page, element_id: str) -> None:
    """Selects an element with a click (see ``_FREE_POINT``) and waits for its side panel."""
    click_empty(page)
    point: list[float] = page.evaluate(_FREE_POINT.replace("MODELER", MODELER), element_id)
    page.mouse.click(*to_screen(page, point[0], point[1]))
    expect(page.locator(f"#panel-form[action$='/panel/{element_id}']")).to_be_visible()


def apply_panel(page: Page) -> None:
    page.locator("#panel-apply").click()
    expect(page.locator("#panel .notice")).to_have_text("Saved.")


def add_field(page: Page, dialog: int, name: str, display: str, default: str = "") -> None:
    prefix = f"#panel-dialog-{dialog}"
    page.locator(f"{prefix}-field-new").select_option(name)
    page.locator(f"{prefix} button[value='add:dialog-{dialog}-field']").click()
    expect(page.locator(f"{prefix} [data-field='{name}']")).to_be_visible()
    page.get_by_label(f"Display of {name}").select_option(display)
    if default:
        page.get_by_label(f"Default of {name}").click()
        page.keyboard.type(default)


def type_into(page: Page, selector: str, text: str) -> None:
    """Clicks an input and types ``text`` as keys (what a person does), replacing what was there."""
    field = page.locator(selector)
    field.click()
    field.press("Control+a")
    page.keyboard.type(text)


def add_dialog(
    page: Page, name: str, interface: str, button: str, fields: list[tuple[str, str, str]]
) -> None:
    """A dialog added to the open user task's panel with its fields ((name, display, default) …), applied."""
    page.get_by_role("button", name="Add dialog").click()
    expect(page.locator("#panel-dialog-0")).to_be_visible()
    type_into(page, "#panel-dialog-0-name", name)
    page.locator("#panel-dialog-0-interface").select_option(interface)
    type_into(page, "#panel-dialog-0-submit_button_text", button)
    for field_name, display, default in fields:
        add_field(page, 0, field_name, display, default)
    apply_panel(page)


def add_action(page: Page, module: str, values: dict[str, str]) -> None:
    """A transition action of ``module`` added to the open transition's panel, its parameters typed."""
    count = page.locator("#panel fieldset.panel-action").count()
    page.locator("#panel-action-new").select_option(module)
    page.get_by_role("button", name="Add action").click()
    action = page.locator(f"#panel-action-{count}")
    expect(action).to_be_visible()
    for index, (key, value) in enumerate(values.items()):
        key_input = action.locator(f"input[name='action-{count}-parameter-{index}-key']")
        if not key_input.count():
            action.locator(f"button[value='add:action-{count}-parameter']").click()
            expect(key_input).to_be_visible()
        if key_input.input_value() != key:
            type_into(page, f"input[name='action-{count}-parameter-{index}-key']", key)
        type_into(page, f"input[name='action-{count}-parameter-{index}-value']", value)


def add_parameters(page: Page, values: dict[str, str]) -> None:
    """Script or service parameters typed into their rows (rows the form prefilled keep their name)."""
    for key, value in values.items():
        existing = page.locator("input[name^='parameter-'][name$='-key']")
        names = [existing.nth(i).input_value() for i in range(existing.count())]
        if key in names:
            index = names.index(key)
        else:
            index = len(names)
            page.get_by_role("button", name="Add parameter").click()
            expect(page.locator(f"input[name='parameter-{index}-key']")).to_be_visible()
            type_into(page, f"input[name='parameter-{index}-key']", key)
        type_into(page, f"input[name='parameter-{index}-value']", value)
