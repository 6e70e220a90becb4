"""Alerts: N alerts through the bus with every handler on, then again with the MQTT path cut for 10 s.

Run: `make bench-alerts` (or `.venv/bin/python -m bench.alerts [--alerts N] [--outage-s S]`); needs PostgreSQL,
Mosquitto and RabbitMQ on this machine (`ALERTS_BENCH_DB`, `ALERTS_BENCH_MQTT`, `ALERTS_BENCH_AMQP`). A throw-away
database holds the outbox. Handlers: MQTT (through a TCP proxy of the bench's own, so it can cut the path), AMQP,
and Frigate (a local HTTP server answering like Frigate: there is no Frigate on this machine). An MQTT subscriber
and an AMQP consumer, connected to the brokers directly, note when each alert arrives.

1. Steady: N alerts published as fast as one thread can: publish rate (what the caller pays), and latency p50/p95
   from the publish call to the database row (committed when publish returns), to the MQTT subscriber and to the
   AMQP consumer.
2. Outage: N alerts published at a steady rate while the MQTT path is cut for --outage-s seconds in the middle:
   alerts lost (never reached the subscriber; must be 0), duplicates the subscriber saw (at-least-once delivery),
   the slowest publish call (the caller never waits for a broker), time to drain after the path returns.
3. Naive, in the same run: the obvious synchronous design, each alert written and then sent by the caller itself
   (a new MQTT connection and a new AMQP connection per alert, no outbox): its publish rate, and what it loses in
   the same kind of outage.

The last line is the figure: alerts lost in the outage and the p95 latency.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger("bench.alerts")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/chamada_bench_alerts"
DEFAULT_MQTT = "mqtt://127.0.0.1:1883"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
NAIVE_TIMEOUT_S = 2.0


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Arrivals:
    """When each alert (by its UUID) first arrived, and how many copies came."""

    first: dict[str, float] = field(default_factory=dict)
    copies: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, alert_id: str) -> None:
        now = time.perf_counter()
        with self.lock:
            self.first.setdefault(alert_id, now)
            self.copies[alert_id] = self.copies.get(alert_id, 0) + 1

    def duplicates(self, ids: list[str]) -> int:
        return sum(max(0, self.copies.get(alert_id, 0) - 1) for alert_id in ids)


class MqttSubscriber:
    def __init__(self, url: str, topic: str) -> None:
        import paho.mqtt.client as mqtt

        self.arrivals = Arrivals()
        self.ready = threading.Event()
        parts = urlsplit(url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-sub-{uuid.uuid4().hex[:8]}")
        self.client.on_connect = self._on_connect
        self.topic = topic
        self.client.on_message = lambda _client, _data, message: self.arrivals.note(json.loads(message.payload)["id"])
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()
        if not self.ready.wait(10):
            raise SystemExit(f"the MQTT subscriber could not connect to {url}")

    def _on_connect(self, client: Any, *_args: Any) -> None:
        client.subscribe(self.topic, qos=1)
        self.ready.set()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class AmqpConsumer:
    def __init__(self, url: str, exchange_name: str) -> None:
        from kombu import Connection, Exchange, Queue

        self.arrivals = Arrivals()
        self.stop = threading.Event()
        self.connection = Connection(url)
        exchange = Exchange(exchange_name, type="topic", durable=True)
        self.queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", exchange, routing_key="alert.#", auto_delete=True)
        self.exchange = exchange
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(10):
            raise SystemExit(f"the AMQP consumer could not connect to {url}")

    def _on_message(self, body: Any, message: Any) -> None:
        data = body if isinstance(body, dict) else json.loads(body)
        self.arrivals.note(data["id"])
        message.ack()

    def _run(self) -> None:
        with self.connection.Consumer(self.queue, callbacks=[self._on_message], accept=["json"]):
            self.ready.set()
            while not self.stop.is_set():
                try:
                    self.connection.drain_events(timeout=0.2)
                except TimeoutError:
                    continue

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.exchange(self.connection).delete()
        self.connection.release()


class FakeFrigate:
    """Answers POST /api/events/<camera>/<label>/create like Frigate does, with a new event id."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"success": True, "message": "ok", "event_id": uuid.uuid4().hex}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@dataclass
class Run:
    name: str
    ids: list[str]
    published_at: dict[str, float]
    publish_s: list[float]  # each publish call's duration: what the caller waited
    elapsed_s: float


def publish_all(count: int, rate: float | None, during: Callable[[float], None] | None = None) -> Run:
    """Publish ``count`` alerts (rate per second, or as fast as possible); ``during(t)`` is called between them."""
    from monitoring.events import AlertEvent
    from monitoring.services.publish import publish

    ids, published_at, durations = [], {}, []
    started = time.perf_counter()
    for index in range(count):
        if rate:
            time.sleep(max(0.0, started + index / rate - time.perf_counter()))
        if during is not None:
            during(time.perf_counter() - started)
        event = AlertEvent("disk_low", source_key=f"bench:{uuid.uuid4().hex}", payload={"index": index})
        before = time.perf_counter()
        publish(event)
        after = time.perf_counter()
        durations.append(after - before)
        ids.append(str(event.id))
        published_at[str(event.id)] = before
    return Run("", ids, published_at, durations, time.perf_counter() - started)


def wait_for(ids: list[str], arrivals: Arrivals, timeout_s: float) -> float | None:
    """Seconds until every id has arrived (None: some never did within timeout_s)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if all(alert_id in arrivals.first for alert_id in ids):
            return time.perf_counter() - started
        time.sleep(0.02)
    return None


def latencies(run: Run, arrivals: Arrivals) -> list[float]:
    return [arrivals.first[i] - run.published_at[i] for i in run.ids if i in arrivals.first]


def naive_send(mqtt_host: str, mqtt_port: int, topic: str, amqp_url: str, exchange: str, payload: dict[str, Any]):
    """The synchronous design: the caller connects, sends and waits on each broker itself, for every alert (each wait
    bounded by NAIVE_TIMEOUT_S, or a broker outage would block the caller for good)."""
    import paho.mqtt.client as mqtt
    from kombu import Connection, Exchange

    body = json.dumps(payload)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-naive-{uuid.uuid4().hex[:8]}")
    client.connect(mqtt_host, mqtt_port, keepalive=5)
    client.loop_start()
    try:
        sent = client.publish(topic, body, qos=1)
        sent.wait_for_publish(timeout=NAIVE_TIMEOUT_S)
        if not sent.is_published():
            raise TimeoutError("the MQTT broker did not acknowledge the alert")
    finally:
        client.disconnect()
        client.loop_stop()
    with Connection(amqp_url, transport_options={"confirm_publish": True}, connect_timeout=NAIVE_TIMEOUT_S) as amqp:
        producer = amqp.Producer(exchange=Exchange(exchange, type="topic", durable=True))
        producer.publish(
            body,
            routing_key="alert.disk_low.critical",
            delivery_mode=2,
            content_type="application/json",
            timeout=NAIVE_TIMEOUT_S,
        )


def naive_run(
    count: int, proxy_port: int, topic: str, amqp_url: str, exchange: str, during: Callable[[float], None] | None
) -> tuple[Run, int]:
    """Write each alert's row, then send it synchronously; an alert whose send fails is lost (no outbox)."""
    from django.utils import timezone

    from monitoring.models import Alert

    ids, published_at, durations, lost = [], {}, [], 0
    started = time.perf_counter()
    for index in range(count):
        if during is not None:
            during(time.perf_counter() - started)
        alert_id = str(uuid.uuid4())
        before = time.perf_counter()
        now = timezone.now()
        Alert.objects.create(
            uuid=alert_id,
            type="disk_low",
            severity="critical",
            source_key=f"naive:{alert_id}",
            first_seen=now,
            last_seen=now,
        )
        try:
            naive_send("127.0.0.1", proxy_port, topic, amqp_url, exchange, {"id": alert_id, "index": index})
        except Exception:
            lost += 1
        durations.append(time.perf_counter() - before)
        ids.append(alert_id)
        published_at[alert_id] = before
    return Run("naive", ids, published_at, durations, time.perf_counter() - started), lost


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--rate", type=float, default=25.0, help="alerts per second during the outage run")
    parser.add_argument("--outage-s", type=float, default=10.0)
    parser.add_argument("--naive-alerts", type=int, default=100)
    args = parser.parse_args(argv)
    database_url = os.environ.get("ALERTS_BENCH_DB", DEFAULT_DB)
    mqtt_url = os.environ.get("ALERTS_BENCH_MQTT", DEFAULT_MQTT)
    amqp_url = os.environ.get("ALERTS_BENCH_AMQP", DEFAULT_AMQP)
    mqtt = urlsplit(mqtt_url)
    run_id = uuid.uuid4().hex[:8]
    prefix, exchange = f"chamada-bench-{run_id}", f"chamada-bench-{run_id}"

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench.django_env import django_env
    from tests.support.tcp_proxy import TcpProxy

    proxy = TcpProxy(mqtt.hostname or "127.0.0.1", mqtt.port or 1883)
    frigate = FakeFrigate()
    env = {
        "LOG_LEVEL": os.environ.get("ALERTS_BENCH_LOG_LEVEL", "ERROR"),
        "CHAMADA_EMBEDDED_CAMERAS": "0",
        "MQTT_URL": f"mqtt://127.0.0.1:{proxy.port}",
        "MQTT_TOPIC_PREFIX": prefix,
        "AMQP_URL": amqp_url,
        "AMQP_EXCHANGE": exchange,
        "FRIGATE_URL": frigate.url,
    }
    try:
        with django_env("chamada-alerts-", database_url=database_url, throwaway=True, env=env, migrate=True):
            try:
                return _bench(args, proxy, prefix, exchange, mqtt_url, amqp_url)
            finally:
                from monitoring.services.delivery import dispatcher, handlers

                dispatcher.stop()
                handlers.close()
    finally:
        proxy.close()
        frigate.close()


def _bench(args: argparse.Namespace, proxy: Any, prefix: str, exchange: str, mqtt_url: str, amqp_url: str) -> int:
    from monitoring.models import AlertDelivery
    from monitoring.services.delivery import dispatcher, handlers

    subscriber = MqttSubscriber(mqtt_url, f"{prefix}/alerts")
    consumer = AmqpConsumer(amqp_url, exchange)
    handlers.get("mqtt"), handlers.get("amqp")  # connect before the clock starts, as a running server would be
    dispatcher.start()
    print(f"handlers: MQTT via a cuttable proxy to {mqtt_url}, AMQP {amqp_url} (exchange {exchange}), Frigate (local)")

    # 1. Steady.
    steady = publish_all(args.alerts, rate=None)
    drained = wait_for(steady.ids, subscriber.arrivals, 60) and wait_for(steady.ids, consumer.arrivals, 60)
    if drained is None:
        raise SystemExit("steady run: not every alert arrived within 60 s")
    mqtt_lat, amqp_lat = latencies(steady, subscriber.arrivals), latencies(steady, consumer.arrivals)
    rate = len(steady.ids) / steady.elapsed_s
    began = min(steady.published_at.values())
    last = max(max(subscriber.arrivals.first[i], consumer.arrivals.first[i]) for i in steady.ids)
    delivered_rate = len(steady.ids) / (last - began)
    print(f"{'path':34} {'alerts':>6} {'p50':>9} {'p95':>9} {'max':>9}")
    for name, values in (
        ("publish -> database row", steady.publish_s),
        ("publish -> MQTT subscriber", mqtt_lat),
        ("publish -> AMQP consumer", amqp_lat),
    ):
        print(
            f"{name:34} {len(values):6d} {1000 * percentile(values, 0.5):7.1f}ms "
            f"{1000 * percentile(values, 0.95):7.1f}ms {1000 * max(values):7.1f}ms"
        )
    print(
        f"steady: {rate:.0f} alerts/s published by one thread, {delivered_rate:.0f} alerts/s delivered to MQTT, AMQP "
        "and Frigate (the last arrival)"
    )

    # 2. Outage of the MQTT path in the middle of a steady stream.
    cut_at = max(1.0, (args.alerts / args.rate - args.outage_s) / 2)
    state: dict[str, float | None] = {"cut": None, "restored": None}

    def outage(t: float) -> None:
        if state["cut"] is None and t >= cut_at:
            proxy.cut()
            state["cut"] = time.perf_counter()
            logger.info("bench: the MQTT path is cut")
        elif state["cut"] is not None and state["restored"] is None and t >= cut_at + args.outage_s:
            proxy.restore()
            state["restored"] = time.perf_counter()
            logger.info("bench: the MQTT path is back")

    outage_run = publish_all(args.alerts, rate=args.rate, during=outage)
    cut = state["cut"]
    restored = state["restored"]
    if restored is None:  # a short run: restore after the full outage anyway
        time.sleep(max(0.0, cut + args.outage_s - time.perf_counter()) if cut is not None else 0.0)
        proxy.restore()
        restored = time.perf_counter()
    wait_for(outage_run.ids, subscriber.arrivals, 120)
    wait_for(outage_run.ids, consumer.arrivals, 30)
    arrived = [subscriber.arrivals.first[i] for i in outage_run.ids if i in subscriber.arrivals.first]
    lost = sum(1 for i in outage_run.ids if i not in subscriber.arrivals.first)
    amqp_lost = sum(1 for i in outage_run.ids if i not in consumer.arrivals.first)
    drain_s = max(0.0, max(arrived) - restored) if arrived else float("nan")
    duplicates = subscriber.arrivals.duplicates(outage_run.ids)
    worst_publish = max(outage_run.publish_s)
    outage_amqp = latencies(outage_run, consumer.arrivals)
    dead = AlertDelivery.objects.filter(status="dead").count()
    print(
        f"outage: MQTT cut {args.outage_s:.0f} s while {len(outage_run.ids)} alerts were published at "
        f"{args.rate:.0f}/s: lost {lost} (AMQP lost {amqp_lost}), duplicates at the subscriber {duplicates}, "
        f"dead deliveries {dead}, slowest publish call {1000 * worst_publish:.1f} ms, drained "
        f"{drain_s:.1f} s after the path returned; AMQP p95 meanwhile {1000 * percentile(outage_amqp, 0.95):.1f} ms"
    )

    # 3. The naive synchronous design, same brokers, same kind of outage.
    naive_topic = f"{prefix}/alerts"
    naive_steady, _ = naive_run(args.naive_alerts, proxy.port, naive_topic, amqp_url, exchange, None)
    naive_rate = len(naive_steady.ids) / naive_steady.elapsed_s
    naive_cut = {"cut": False, "restored": False}
    naive_window = args.naive_alerts / naive_rate  # as long as its steady run took

    def naive_outage(t: float) -> None:
        if not naive_cut["cut"] and t >= naive_window / 3:
            proxy.cut()
            naive_cut["cut"] = True
        elif naive_cut["cut"] and not naive_cut["restored"] and t >= naive_window / 3 + min(args.outage_s, 3.0):
            proxy.restore()
            naive_cut["restored"] = True

    naive_outage_run, naive_lost = naive_run(
        args.naive_alerts, proxy.port, naive_topic, amqp_url, exchange, naive_outage
    )
    proxy.restore()
    print(
        f"naive (synchronous, a connection per alert, no outbox): {naive_rate:.0f} alerts/s, p95 publish call "
        f"{1000 * percentile(naive_steady.publish_s, 0.95):.1f} ms; with the MQTT path cut for a part of the run it "
        f"lost {naive_lost} of {len(naive_outage_run.ids)}, slowest call "
        f"{1000 * max(naive_outage_run.publish_s):.0f} ms"
    )
    subscriber.close()
    consumer.close()
    print(
        f"alerts: lost {lost} during a {args.outage_s:.0f} s MQTT outage (naive lost {naive_lost}); p95 publish->MQTT "
        f"{1000 * percentile(mqtt_lat, 0.95):.0f} ms, ->AMQP {1000 * percentile(amqp_lat, 0.95):.0f} ms, ->database "
        f"{1000 * percentile(steady.publish_s, 0.95):.1f} ms; {rate:.0f} alerts/s published ({delivered_rate:.0f}/s "
        f"delivered everywhere) vs naive {naive_rate:.0f} alerts/s"
    )
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
