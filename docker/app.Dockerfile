# The app image: Streamlit UI + the library, CPU only (the GPU work happens in the vLLM containers).
# Build from the repository root: docker build -f docker/app.Dockerfile -t jina-rag-chat .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    DATA_DIR=/data

# The CPU build of torch first, from PyTorch's CPU index: otherwise pip would resolve the multi-GB
# CUDA build, which this container never uses (the packaged MiniLM fallback runs on CPU).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX}" "torch==${TORCH_VERSION}"

# Tesseract reads scanned PDF pages (OCR); the app reports it missing otherwise.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY .streamlit ./.streamlit
RUN pip install .

# A non-root user owns only the data volume.
RUN useradd --create-home --uid 10001 --user-group rag && mkdir -p /data && chown rag:rag /data
USER rag
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"]

# 0.0.0.0 inside the container; what the host exposes is decided by the compose file's `ports`. The launcher
# hands the OIDC_* settings to Streamlit and refuses to start here without them unless ALLOW_ANONYMOUS=true.
CMD ["python", "-m", "app.ui.launch", "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true", "--browser.gatherUsageStats", "false"]
