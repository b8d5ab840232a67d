"""The Jinja2 sandbox that e-mail templates run in, and the one way to render a template in it.

Templates are edited by marketers, not programmers, so a template must never read
internals, mutate the context, loop for ever or fill the memory. Every failure comes out as
a `TemplateProblem` naming the template file and line (architecture habit 9).
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
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
_LOOP_GUARD = "_nurture_loop_guard"
_SIZE_GUARD = "_nurture_size_guard"
# A replacement field whose width or precision comes from an argument, e.g. "{:{w}}" or "{0:>{1}}".
_NESTED_FORMAT = re.compile(r"(?<!\{)\{[^{}]*:[^{}]*\{")
_STRETCHING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


class TemplateLimitExceeded(SecurityError):
    """A template tried to produce or compute far more than any e-mail needs."""


class _Budget:
    def __init__(self) -> None:
        self.turns = 0
        self.deadline = time.monotonic() + MAX_SECONDS

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


def _limited_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimitExceeded(f"range() is limited to {MAX_RANGE} items")
    return rng


def _check_size(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise TemplateLimitExceeded(f"{what} would be longer than {MAX_OUTPUT} characters")


def _check_format(fmt: str) -> None:
    """Refuse `%999999d`- or `{:>999999}`-style widths, which allocate before they can be measured."""
    digits = "".join(c if c.isdigit() else " " for c in fmt).split()
    if "*" in fmt or any(len(d) > 4 for d in digits):
        raise TemplateLimitExceeded("format widths are limited to 4 digits")
    if _NESTED_FORMAT.search(fmt):
        raise TemplateLimitExceeded("format widths must be written out, not taken from an argument")


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
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    _check_size(len(seq) * max(times, 0), "a repeated string or list")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateLimitExceeded("the product is too large")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _check_size(len(left) + len(right), "an added string or list")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                if max(abs(left).bit_length(), 1) * right > 64_000:
                    raise TemplateLimitExceeded("the power is too large")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_format(obj)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, str) and argument in ("format", "format_map"):
            _check_format(obj)
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
            parts = concat.nodes
            concat.nodes = [nodes.Call(nodes.Name(_SIZE_GUARD, "load"), [nodes.Concat(parts)], [], None, None)]
        return super()._generate(source, *args, **kwargs)  # type: ignore[misc]


def _limited_filter(env: SandboxedEnvironment, name: str, check: Any) -> None:
    original = env.filters[name]

    def limited(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return original(*args, **kwargs)

    env.filters[name] = limited


def _width_check(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> None:
    if isinstance(width, int):
        _check_size(width, "the padding")


def _format_check(value: Any, *args: Any, **kwargs: Any) -> None:
    _check_format(str(value))


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


def make_environment(templates_dir: Path, *, html: bool) -> SandboxedEnvironment:
    """The sandbox over `templates_dir`; `html=True` escapes every value (hostile names stay text)."""
    env = NurtureSandbox(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
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
    _limited_filter(env, "center", _width_check)
    _limited_filter(env, "indent", _width_check)
    _limited_filter(env, "format", _format_check)
    _limited_filter(env, "slice", _slice_check)
    _limited_join_and_replace(env)
    return env


def template_file(env: jinja2.Environment, name: str) -> str:
    """The path of template `name` as a user would type it."""
    base = getattr(env, "templates_dir", None)
    return str(Path(base) / name) if base is not None else name


def _describe(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"syntax error: {(exc.message or '').rstrip('.')}; check the {{% %}} and {{{{ }}}} pairs on this line"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template {exc.name} does not exist; every wording needs .subject.j2, .txt.j2 and .html.j2"
    if isinstance(exc, jinja2.UndefinedError):
        return f"unknown name: {(exc.message or '').rstrip('.')}; see templates/README.md for the variables a template gets"
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {str(exc).rstrip('.')}"
    if isinstance(exc, RecursionError):
        return "the template calls itself without end (macro, include or recursive loop)"
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
