from flowgraph.cli import app

app()
