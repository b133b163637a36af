"""`python -m materials` runs the command line, as the `materials` script does."""

from materials.cli import main

main()
