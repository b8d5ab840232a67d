"""The Jinja2 sandbox that e-mail templates run in, and the one way to render a template in it.

Templates are edited by marketers, not programmers, so a template must never read
internals, mutate the context, loop for ever or fill the memory. Every failure comes out as
a `TemplateProblem` naming the template file and line (architecture habit 9).
"""

from __future__ import annotations

import json
import re
import string
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from functools import wraps
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError

from nurture.errors import Location, Problem, TemplateProblem

MAX_RANGE = 10_000  # longest range() a template may ask for
MAX_OUTPUT = 1_000_000  # characters one template may produce
MAX_LOOP_ITERATIONS = 100_000  # loop turns, summed over all loops of one rendering
MAX_SECONDS = 3.0  # wall-clock time one rendering may take; an e-mail renders in milliseconds
MAX_INT_BITS = 64_000  # largest number a template may compute (about 19,000 digits)
# Text one rendering may write in all: its output plus every {% set %} block, macro and filter
# block it fills on the way. Each of those is built in memory before anything measures it.
MAX_WRITTEN = 10 * MAX_OUTPUT
MAX_JSON_INDENT = 16  # tojson(indent=...) beyond this only adds blank space
_LOOP_GUARD = "_nurture_loop_guard"
_SIZE_GUARD = "_nurture_size_guard"
_PART_GUARD = "_nurture_part_guard"
_WRITE_GUARD = "_nurture_write_guard"
# A replacement field whose width or precision comes from an argument, e.g. "{:{w}}" or "{0:>{1}}".
_NESTED_FORMAT = re.compile(r"(?<!\{)\{[^{}]*:[^{}]*\{")
_STRETCHING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


class TemplateLimitExceeded(SecurityError):
    """A template tried to produce or compute far more than any e-mail needs."""


class EmptyValue(jinja2.TemplateError):
    """A template wrote a value this contact does not have: the mail would say "None"."""


class _Budget:
    def __init__(self) -> None:
        self.turns = 0
        self.written = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def write(self, size: int) -> None:
        self.written += size
        if self.written > MAX_WRITTEN:
            raise TemplateLimitExceeded(f"the template wrote more than {MAX_WRITTEN} characters in all")

    def tick(self) -> None:
        self.turns += 1
        if self.turns > MAX_LOOP_ITERATIONS:
            raise TemplateLimitExceeded(f"loops ran more than {MAX_LOOP_ITERATIONS} times")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitExceeded(f"the template ran longer than {MAX_SECONDS:g} seconds")


_budget: ContextVar[_Budget | None] = ContextVar("nurture_template_budget", default=None)


def _loop_guard(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _budget.get() or _Budget()
    for item in iterable:
        budget.tick()
        yield item


def _check_time() -> None:
    budget = _budget.get()
    if budget is not None:
        budget.check_time()


def _size_guard(value: Any) -> Any:
    """The result of a `~` concatenation, refused when it outgrows what any e-mail needs."""
    if isinstance(value, str | list | tuple):
        _check_size(len(value), "a joined text (~)")
    _check_time()
    return value


def _part_guard(value: Any) -> Any:
    """One operand of `~`, measured before `~` turns it into text (a list of big texts is one)."""
    _check_size(_weight(value), "a joined text (~)")
    return value


def _write(size: int) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.write(size)


@jinja2.pass_context  # never folded into a constant when the template is compiled
def _write_guard(_context: Any, size: int) -> str:
    """Counts the template's own text written by one output statement (inside a loop, once per turn).

    A filter, not a call: filters are called directly, calls go through the sandbox's checks,
    and this runs for nearly every output statement of every message.
    """
    budget = _budget.get()
    if budget is not None:
        budget.write(size)
    return ""


def _finalize(value: Any) -> Any:
    """Every {{ value }}, also inside {% set %} blocks and macros, counts against MAX_WRITTEN.

    A value the contact does not have (no company, no position) is None, which Jinja would
    write as the word "None" into the mail ("Grüße an das Team von None."): refused instead, so
    the message is blocked with the line to fix and `nurture check` finds it on its sample
    contacts, who lack such details.
    """
    if value is None:
        raise EmptyValue("a value this contact does not have would be written as \"None\"")
    budget = _budget.get()
    if budget is not None:  # called for every {{ }} of every message: the plain-text case stays short
        size = len(value) if type(value) is str else _weight(value)
        if size > MAX_OUTPUT:
            _check_size(size, "a written value")
        budget.write(size)
    return value


def _weight(value: Any, seen: dict[int, int] | None = None) -> int:
    """About as many characters as `str(value)` has, found without building that text.

    A list holding the same big text a thousand times costs little memory, but printing it
    would build a thousand copies; shared parts are measured once and counted per use.
    """
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool | int | float) or value is None:
        return len(str(value)) if not isinstance(value, int) or value.bit_length() < 64 else value.bit_length() // 3
    seen = {} if seen is None else seen
    key = id(value)
    if key in seen:
        return seen[key]
    seen[key] = 0  # a list that contains itself prints as [...]
    total = 2
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            total += _weight(item, seen) + 2
            if total > MAX_WRITTEN:
                break
    elif isinstance(value, Mapping):
        for k, v in value.items():
            total += _weight(k, seen) + _weight(v, seen) + 4
            if total > MAX_WRITTEN:
                break
    else:
        total = 16  # dates, namespaces, undefined names: short when printed
    seen[key] = total
    return total


def _charged_items(items: Iterable[Any]) -> Iterator[Any]:
    """Items a filter like map() produces one by one, each counted as it is taken."""
    for item in items:
        _write(_weight(item))
        yield item


def _limited_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimitExceeded(f"range() is limited to {MAX_RANGE} items")
    return rng


def _check_size(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise TemplateLimitExceeded(f"{what} would be longer than {MAX_OUTPUT} characters")


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.DOTALL)


def _format_fields(fmt: str) -> tuple[int, int]:
    """(number of replacement fields, sum of their widths) of a `%`- or `{}`-style format.

    Refuses `%999999d`- or `{:>999999}`-style widths, which allocate before they can be measured.
    """
    fields, widths = 0, 0
    specs: list[str] = []
    for found in _PERCENT_FIELD.finditer(fmt):
        if found.group(3) == "%":
            continue
        if "*" in (found.group(1) or "", found.group(2) or ""):
            raise TemplateLimitExceeded("format widths must be written out, not taken from an argument")
        fields += 1
        specs.append((found.group(1) or "") + " " + (found.group(2) or ""))
    if "{" in fmt:
        if _NESTED_FORMAT.search(fmt):
            raise TemplateLimitExceeded("format widths must be written out, not taken from an argument")
        try:
            parsed = list(string.Formatter().parse(fmt))
        except ValueError:
            parsed = []  # the format call itself reports the broken braces
        for _literal, name, spec, _conversion in parsed:
            if name is not None:
                fields += 1
                specs.append(spec or "")
    for spec in specs:
        digits = "".join(c if c.isdigit() else " " for c in spec).split()
        if any(len(d) > 4 for d in digits):
            raise TemplateLimitExceeded("format widths are limited to 4 digits")
        widths += sum(int(d) for d in digits)
    return fields, widths


def _check_format(fmt: str, values: Iterable[Any] = ()) -> None:
    """Refuse a format whose result would be huge: many fields, wide fields or big values."""
    fields, widths = _format_fields(fmt)
    largest = max((_weight(v) for v in values), default=0)
    _check_size(len(fmt) + widths + fields * largest, "a formatted text")


def _measured_format(fmt: str, name: str, method: Any) -> Any:
    """`fmt.format(...)` / `fmt.format_map(...)` that first measures what the values would make of it."""
    if not callable(method):
        return method

    def measured(*args: Any, **kwargs: Any) -> Any:
        values = [*args, *kwargs.values()]
        if name == "format_map" and args and isinstance(args[0], Mapping):
            values = list(args[0].values())
        _check_format(fmt, values)
        return method(*args, **kwargs)

    return measured


def _format_values(right: Any) -> list[Any]:
    """The values `fmt % right` fills in: a tuple's items, a mapping's values, or `right` itself."""
    if isinstance(right, tuple):
        return list(right)
    if isinstance(right, Mapping):
        return list(right.values())
    return [right]


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else len(str(value))


class NurtureSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox plus limits on loops, ranges, repetition and output size."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    templates_dir: Path

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _check_time()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and not isinstance(times, bool):
                    # A list counts with what it holds: [big] * 1000 is small, printing it is not.
                    size = len(seq) if isinstance(seq, str) else _weight(seq)
                    _check_size(size * max(times, 0), "a repeated string or list")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateLimitExceeded("the product is too large")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _check_size(_weight(left) + _weight(right), "an added string or list")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                if max(abs(left).bit_length(), 1) * right > 64_000:
                    raise TemplateLimitExceeded("the power is too large")
        elif operator == "%" and isinstance(left, str):
            _check_format(left, _format_values(right))
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_format(obj)
            return _measured_format(obj, attribute, super().getattr(obj, attribute))
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, str) and argument in ("format", "format_map"):
            _check_format(obj)
            return _measured_format(obj, argument, super().getitem(obj, argument))
        return super().getitem(obj, argument)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        _check_time()
        if isinstance(owner, str):
            if name == "join" and args:
                items = list(args[0])
                _check_size(sum(_sized(i) for i in items) + len(owner) * max(len(items) - 1, 0), "str.join()")
                args = (items, *args[1:])
            elif name == "expandtabs":
                tab = next((a for a in (*args, kwargs.get("tabsize")) if isinstance(a, int)), 8)
                _check_size(len(owner) + owner.count("\t") * max(tab, 0), "str.expandtabs()")
            elif name in _STRETCHING_METHODS:
                _check_size(max([a for a in args if isinstance(a, int)] + [0]), f"str.{name}()")

            elif name == "replace" and len(args) >= 2:
                old, new = str(args[0]), str(args[1])
                grows = owner.count(old) if old else len(owner) + 1
                _check_size(len(owner) + grows * max(len(new) - len(old), 0), "str.replace()")
        return super().call(__context, __obj, *args, **kwargs)

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        # Wrap the iterable of every {% for %} so each turn counts against the rendering's budget:
        # nested loops over small ranges would otherwise run for hours without producing output.
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.Name(_LOOP_GUARD, "load"), [loop.iter], [], None, None)
        # A recursive loop's `loop(items)` re-enters the body with a new iterable: count those turns too.
        for call in source.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "loop" and call.args:
                call.args[0] = nodes.Call(nodes.Name(_LOOP_GUARD, "load"), [call.args[0]], [], None, None)
        # `a ~ b` builds its text without any hook; check the size of each result (bounded growth:
        # a doubling `{% set ns.s = ns.s ~ ns.s %}` stops at twice the limit, not at the memory's end).
        for concat in list(source.find_all(nodes.Concat)):
            parts = [nodes.Call(nodes.Name(_PART_GUARD, "load"), [part], [], None, None) for part in concat.nodes]
            concat.nodes = [nodes.Call(nodes.Name(_SIZE_GUARD, "load"), [nodes.Concat(parts)], [], None, None)]
        # The template's own text counts too: inside a loop that fills a {% set %} block it adds up.
        # Text that can run many times (in a loop, macro or block) is counted where it is written;
        # the rest runs at most once per rendering of this template (also when it is included in a
        # loop), so it is counted once, up front: one guard per template instead of one per line.
        repeated = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock, nodes.Block)
        inside = {id(o) for r in source.find_all(repeated) for o in r.find_all(nodes.Output)}
        once = 0
        for output in list(source.find_all(nodes.Output)):
            size = sum(len(n.data) for n in output.nodes if isinstance(n, nodes.TemplateData))
            if size and id(output) in inside:
                output.nodes.append(nodes.Filter(nodes.Const(size), _WRITE_GUARD, [], [], None, None))
            else:
                once += size
        if once:
            source.body.insert(0, nodes.Output([nodes.Filter(nodes.Const(once), _WRITE_GUARD, [], [], None, None)]))
        return super()._generate(source, *args, **kwargs)  # type: ignore[misc]


def _limited_filter(env: SandboxedEnvironment, name: str, check: Any) -> None:
    original = env.filters[name]

    @wraps(original)  # keeps Jinja's pass_environment/pass_context marks
    def limited(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return original(*args, **kwargs)

    env.filters[name] = limited


def _width_check(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> None:
    if isinstance(width, int):
        _check_size(width, "the padding")


def _indent_check(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> None:
    """Every line gets the indent: a thousand lines indented by 9999 are ten million characters."""
    if isinstance(width, str):
        width = len(width)
    if isinstance(width, int):
        text = str(value)
        _check_size(width, "the padding")
        _check_size(len(text) + (text.count("\n") + 1) * max(width, 0), "the indented text")


def _wordwrap_check(environment: Any, value: Any, width: Any = 79, break_long_words: Any = True,
                    wrapstring: Any = None, *args: Any, **kwargs: Any) -> None:  # fmt: skip
    wrap = kwargs.get("wrapstring", wrapstring)
    if isinstance(wrap, str):
        text = str(value)
        width = kwargs.get("width", width)
        breaks = text.count(" ") + text.count("\n") + 1 + len(text) // max(width if isinstance(width, int) else 1, 1)
        _check_size(len(text) + breaks * len(wrap), "the wrapped text")


def _format_check(value: Any, *args: Any, **kwargs: Any) -> None:
    _check_format(str(value), [*args, *kwargs.values()])


def _batch_check(value: Any, linecount: Any = 1, fill_with: Any = None, *args: Any, **kwargs: Any) -> None:
    if isinstance(linecount, int) and linecount > MAX_RANGE:
        raise TemplateLimitExceeded(f"batch() is limited to {MAX_RANGE} items per batch")


def _limited_tojson(env: SandboxedEnvironment) -> None:
    """`tojson` builds its whole text at once: measure it piece by piece first."""
    original = env.filters["tojson"]

    @jinja2.pass_eval_context
    def tojson(eval_ctx: Any, value: Any, indent: Any = None) -> Any:
        if isinstance(indent, int) and not isinstance(indent, bool) and indent > MAX_JSON_INDENT:
            raise TemplateLimitExceeded(f"tojson() indents at most {MAX_JSON_INDENT} spaces")
        options = dict(env.policies.get("json.dumps_kwargs") or {})
        size = 0
        for chunk in json.JSONEncoder(indent=indent, **options).iterencode(value):
            size += len(chunk)
            _check_size(size, "the JSON text")
        return original(eval_ctx, value, indent)

    env.filters["tojson"] = tojson


def _charging(original: Any) -> Any:
    """A filter whose lists or item streams count against MAX_WRITTEN (map() can repeat a big text)."""

    @wraps(original)
    def charged(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if isinstance(result, list | tuple):
            _write(_weight(result))
        elif isinstance(result, Iterator):
            return _charged_items(result)
        return result

    return charged


def _replace_check(value: Any, old: Any = "", new: Any = "", count: Any = None, *args: Any, **kwargs: Any) -> None:
    text, old, new = str(value), str(old), str(new)
    grows = (text.count(old) if old else len(text) + 1) if not isinstance(count, int) else max(count, 0)
    _check_size(len(text) + grows * max(len(new) - len(old), 0), "the replaced text")


def _limited_join_and_replace(env: SandboxedEnvironment) -> None:
    """`join` and `replace` take the evaluation context, so they get wrappers of their own."""
    original_join, original_replace = env.filters["join"], env.filters["replace"]

    @jinja2.pass_eval_context
    def join(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> Any:
        items = list(value)
        _check_size(sum(_sized(i) for i in items) + _sized(d) * max(len(items) - 1, 0), "the joined text")
        return original_join(eval_ctx, items, d, attribute)

    @jinja2.pass_eval_context
    def replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: Any = None) -> Any:
        _replace_check(value, old, new, count)
        return original_replace(eval_ctx, value, old, new, count)

    env.filters["join"], env.filters["replace"] = join, replace


def _slice_check(value: Any, slices: Any = 1, *args: Any, **kwargs: Any) -> None:
    if isinstance(slices, int) and slices > MAX_RANGE:
        raise TemplateLimitExceeded(f"slice() is limited to {MAX_RANGE} parts")


class SnapshotLoader(jinja2.BaseLoader):
    """Templates from the copies read when the renderer was made, reported under their real file names.

    A daemon that refused a broken edit keeps writing with the templates it last checked: the
    folder on disk may already hold the broken file, which a file loader would read the first
    time a wording is used.
    """

    def __init__(self, templates_dir: Path, sources: Mapping[str, bytes]) -> None:
        self.templates_dir, self.sources = Path(templates_dir), sources

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        raw = self.sources.get(template)
        if raw is None:
            raise jinja2.TemplateNotFound(template)
        # Decoded here, not when read: a file not saved as UTF-8 fails where its wording is used.
        return raw.decode("utf-8"), str(self.templates_dir / template), lambda: True


def make_environment(templates_dir: Path, *, html: bool, loader: jinja2.BaseLoader | None = None) -> SandboxedEnvironment:
    """The sandbox over `templates_dir`; `html=True` escapes every value (hostile names stay text)."""
    env = NurtureSandbox(
        loader=loader or jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.templates_dir = Path(templates_dir)
    env.globals["range"] = _limited_range
    env.globals[_LOOP_GUARD] = _loop_guard
    env.globals[_SIZE_GUARD] = _size_guard
    env.globals.pop("lipsum", None)
    env.finalize = _finalize
    env.globals[_PART_GUARD] = _part_guard
    env.filters[_WRITE_GUARD] = _write_guard
    _limited_filter(env, "center", _width_check)
    _limited_filter(env, "indent", _indent_check)
    _limited_filter(env, "wordwrap", _wordwrap_check)
    _limited_filter(env, "format", _format_check)
    _limited_filter(env, "slice", _slice_check)
    _limited_filter(env, "batch", _batch_check)
    _limited_join_and_replace(env)
    _limited_tojson(env)
    for name in ("map", "select", "reject", "selectattr", "rejectattr", "batch", "slice", "list", "sort",
                 "unique", "reverse", "dictsort", "groupby", "sum"):  # fmt: skip
        env.filters[name] = _charging(env.filters[name])
    return env


def template_file(env: jinja2.Environment, name: str) -> str:
    """The path of template `name` as a user would type it."""
    base = getattr(env, "templates_dir", None)
    return str(Path(base) / name) if base is not None else name


def _describe(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"syntax error: {(exc.message or '').rstrip('.')}; check the {{% %}} and {{{{ }}}} pairs on this line"
    if isinstance(exc, EmptyValue):
        return ("a {{ }} on this line writes a value this contact does not have (it would read \"None\"); "
                "write it inside {% if … %} … {% endif %}, or give a default: {{ contact.company or \"\" }}")
    if isinstance(exc, jinja2.TemplateNotFound):
        if str(exc.name).endswith((".subject.j2", ".txt.j2", ".html.j2")) and "/_" not in str(exc.name):
            return f"template {exc.name} does not exist; every wording needs .subject.j2, .txt.j2 and .html.j2"
        return f"template {exc.name} does not exist; check the name in the {{% include %}} or {{% extends %}}"
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not saved as UTF-8; save it as UTF-8 (in the editor's \"save as\" or encoding menu)"
    if isinstance(exc, jinja2.UndefinedError):
        return f"unknown name: {(exc.message or '').rstrip('.')}; see templates/README.md for the variables a template gets"
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {str(exc).rstrip('.')}"
    if isinstance(exc, RecursionError):
        if not any(frame.filename.endswith(".j2") for frame in traceback.extract_tb(exc.__traceback__)):
            # Nothing of the template ran yet: reading it went too deep, not a call.
            return ("an expression is nested too deeply (brackets, filters or tags inside each other); "
                    "split it into smaller steps with {% set %}")  # fmt: skip
        return "the template calls itself without end (macro, include or recursive loop)"
    if isinstance(exc, ZeroDivisionError):
        return "a calculation divides by zero; check the numbers on this line"
    if isinstance(exc, OverflowError) or (isinstance(exc, ValueError) and "integer string conversion" in str(exc)):
        return "a calculation gives a number too large to use; check the numbers on this line"
    return f"the template failed: {type(exc).__name__}: {exc}"


def template_problem(env: jinja2.Environment, name: str, exc: BaseException) -> TemplateProblem:
    """Turn any Jinja failure into a TemplateProblem at the template file and line where it happened."""
    file, line = template_file(env, name), None
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.lineno:
        file, line = exc.filename or file, exc.lineno
    else:
        # Jinja rewrites tracebacks so that template frames carry the template's file and line.
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.endswith(".j2"):
                file, line = frame.filename, frame.lineno
    return TemplateProblem(Problem(Location(file, line), _describe(exc)))


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render `name` in chunks under a fresh loop budget; any failure becomes a TemplateProblem."""
    token = _budget.set(_Budget())
    try:
        chunks: list[str] = []
        size = 0
        generator = env.get_template(name).generate(dict(context))
        for chunk in generator:
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_OUTPUT:
                # Thrown into the template so the traceback points at the line that overflowed.
                generator.throw(TemplateLimitExceeded(f"the output is longer than {MAX_OUTPUT} characters"))
        return "".join(chunks)
    except TemplateProblem:
        raise
    except Exception as exc:  # any failure of a user-written template is that template's problem
        raise template_problem(env, name, exc) from exc
    finally:
        _budget.reset(token)
