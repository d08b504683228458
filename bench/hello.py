"""The yardstick: a bare Flask "hello", served exactly like delib, to compare across machines."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The least a Flask request can cost."""
    return "hello"
