"""Pieces of the Streamlit UI beside `app/main.py`: sign-in, sharing and API keys, and the launcher that hands
the sign-in settings to Streamlit (`python -m app.ui.launch`, what `make run` and the image start)."""
