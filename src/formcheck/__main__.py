"""``python -m formcheck`` runs the command line."""

from .cli import app

app(prog_name="formcheck")
