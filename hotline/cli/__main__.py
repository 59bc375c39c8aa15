"""`python -m hotline.cli` runs the console script."""

from hotline.cli import main

main()
