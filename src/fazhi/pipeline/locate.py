"""Which model `fazhi tag` and `fazhi eval` load, decided here only:

1. `--model`: a saved pipeline folder, or the name of an installed model package;
2. the installed model package (`zh_fazhi`, built by `make model-package`);
3. `models/fazhi-zh` of a checkout: the project's configured model in the working
   directory, else the one in the checkout this fazhi is installed from (`pip install -e`);
4. otherwise a one-line error that says how to get one.

Nothing is fetched: a name that is neither a folder nor an installed package is an error,
never a hub id.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fazhi.pipeline.assemble import ModelError

# The model package's import name: spaCy's `{lang}_{name}` for the pipeline "fazhi" in "zh"
# (training.package builds it); `spacy.load(PACKAGE)` loads it in any directory.
PACKAGE = "zh_fazhi"
CHECKOUT_MODEL = Path("models") / "fazhi-zh"

HOW_TO_GET_ONE = (f"give --model DIR, install the model package (`make model-package`, then "
                  f"`pip install dist/{PACKAGE}-*.whl`), or run in a checkout that has "
                  f"{CHECKOUT_MODEL}")


def is_pipeline(folder: Path) -> bool:
    return (folder / "config.cfg").is_file()


def installed_model(name: str = PACKAGE) -> Path | None:
    """The pipeline folder inside an installed model package (spaCy's layout:
    NAME/NAME-VERSION/config.cfg), found without importing the package."""
    if not name.isidentifier():
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    package = Path(spec.origin).parent
    found = sorted(d for d in package.glob(f"{name}-*") if is_pipeline(d))
    return found[-1] if found else None


def checkout_model() -> Path | None:
    """models/fazhi-zh of a checkout: the working directory's configured model when the
    working directory is a checkout, else the checkout this fazhi is installed from."""
    from fazhi.settings import DEFAULT_CONFIG, project_paths

    if DEFAULT_CONFIG.exists():
        configured = Path(project_paths().model)
        if is_pipeline(configured):
            return configured
    source = Path(__file__).resolve().parents[3]  # src/fazhi/pipeline/locate.py
    if (source / "pyproject.toml").is_file() and is_pipeline(source / CHECKOUT_MODEL):
        return source / CHECKOUT_MODEL
    return None


def locate_model(model: str | Path | None = None) -> Path:
    """The folder of the pipeline to load (see the module's docstring), or ModelError."""
    if model is not None:
        path = Path(model)
        if path.exists():
            return path
        package = installed_model(str(model))
        if package is not None:
            return package
        raise ModelError(f"{model}: no such model folder or installed model package")
    found = installed_model() or checkout_model()
    if found is None:
        raise ModelError(f"no fazhi model found: {HOW_TO_GET_ONE}")
    return found
