from delib import create_app

app = create_app()
