"""The built-in templates. This folder is installed as the package `materials.templates` (pyproject.toml maps
it), so `importlib.resources.files("materials.templates")` finds it in a wheel and in an editable checkout.
The file exists only so that the editable install can map the folder; nothing imports it otherwise."""
