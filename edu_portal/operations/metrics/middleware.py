"""django-prometheus's request metrics, made safe against a garbled request."""

from __future__ import annotations

from django_prometheus import middleware
from django_prometheus.utils import Time


class PrometheusAfterMiddleware(middleware.PrometheusAfterMiddleware):
    """django-prometheus 2.5 reads ``int(Content-Length)`` for its body-size histogram and
    raises on a header like ``abc``: every such request became a 500 before the view could
    refuse it with a 400. Same metrics, with an unreadable length counted as 0."""

    def process_request(self, request):
        method = self._method(request)
        transport = self._transport(request)
        self.label_metric(self.metrics.requests_by_method, request, method=method).inc()
        self.label_metric(self.metrics.requests_by_transport, request, transport=transport).inc()
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            self.label_metric(self.metrics.requests_ajax, request).inc()
        raw = request.headers.get("content-length") or "0"
        length = int(raw) if raw.isascii() and raw.isdigit() else 0
        self.label_metric(self.metrics.requests_body_bytes, request).observe(length)
        request.prometheus_after_middleware_event = Time()
