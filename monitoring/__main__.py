from monitoring.cli import run

run()
