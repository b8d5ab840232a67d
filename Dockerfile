FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY nurture ./nurture
COPY templates ./templates
COPY config ./config
RUN pip install --no-cache-dir . && useradd --system --home /app nurture && mkdir -p /app/var && chown nurture /app/var
USER nurture
ENV NURTURE_CONFIG=/app/config/nurture.toml
EXPOSE 8080
CMD ["sh", "-c", "nurture init && nurture run --web --log-format json"]
