"""CPython side of `pnpm bench:contextvars`: the same operations, in ns/op, as JSON on stdout."""
import contextvars
import json
import statistics
import timeit

ROUNDS = 9


def ns_per_op(stmt, setup_globals, number):
    timer = timeit.Timer(stmt, globals=setup_globals)
    timer.timeit(number=min(number, 50_000))  # warm up
    return statistics.median(timer.timeit(number=number) / number * 1e9 for _ in range(ROUNDS))


def bound_context(count):
    variables = [contextvars.ContextVar(f"v{i}") for i in range(count)]
    ctx = contextvars.Context()

    def fill():
        for i, var in enumerate(variables):
            var.set(i)

    ctx.run(fill)
    return ctx, variables


def run_in(ctx, stmt, number, extra=None):
    result = {}

    def inner():
        g = {"contextvars": contextvars, **(extra or {})}
        result["ns"] = ns_per_op(stmt, g, number)

    ctx.run(inner)
    return result["ns"]


def main():
    n = 500_000
    ctx1, vars1 = bound_context(1)
    ctx10k, vars10k = bound_context(10_000)
    target = vars1[0]
    noop = lambda: None  # noqa: E731
    results = {
        "get": run_in(ctx1, "var.get()", n, {"var": target}),
        "copy_context (1 bound)": run_in(ctx1, "contextvars.copy_context()", n),
        "copy_context (10,000 bound)": run_in(ctx10k, "contextvars.copy_context()", n),
        "Context.run(noop)": ns_per_op("ctx.run(noop)", {"ctx": contextvars.Context(), "noop": noop}, n),
        "set (1 bound)": run_in(ctx1, "var.set(1)", n, {"var": target}),
        "set (10,000 bound)": run_in(ctx10k, "var.set(1)", n, {"var": vars10k[5000]}),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
