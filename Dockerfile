# One image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# dnsutils gives operators dig inside the container for DNS checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends dnsutils \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY accounts ./accounts
COPY marketplace ./marketplace
COPY leases ./leases
COPY abuse ./abuse
COPY kyc ./kyc
COPY rpki ./rpki
COPY monitoring ./monitoring
RUN pip install .

COPY . .

# collectstatic needs settings but no database; a throwaway key satisfies the
# SECRET_KEY check for this one command only.
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --create-home --uid 10001 app && mkdir -p /app/var/media && chown -R app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
