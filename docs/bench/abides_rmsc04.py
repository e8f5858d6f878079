"""ABIDES rmsc04, one full day (09:30-16:00), logging off; prints the exchange's counts as JSON.

Orders: limit and market order messages the exchange receives; cancels: cancel messages it
receives; executions: OrderExecutedMsg it sends, halved (one to each side of a fill)."""
import json, sys
from abides_core import abides
from abides_markets.configs import rmsc04
from abides_markets.agents.exchange_agent import ExchangeAgent
from abides_markets.messages.order import LimitOrderMsg, MarketOrderMsg, CancelOrderMsg
from abides_markets.messages.orderbook import OrderExecutedMsg

counts = {"orders": 0, "cancels": 0, "executed_msgs": 0}
_recv = ExchangeAgent.receive_message
_send = ExchangeAgent.send_message

def recv(self, current_time, sender_id, message):
    if isinstance(message, (LimitOrderMsg, MarketOrderMsg)):
        counts["orders"] += 1
    elif isinstance(message, CancelOrderMsg):
        counts["cancels"] += 1
    return _recv(self, current_time, sender_id, message)

def send(self, recipient_id, message):
    if isinstance(message, OrderExecutedMsg):
        counts["executed_msgs"] += 1
    return _send(self, recipient_id, message)

ExchangeAgent.receive_message = recv
ExchangeAgent.send_message = send

config = rmsc04.build_config(seed=1, end_time="16:00:00", stdout_log_level="CRITICAL",
                             log_orders=False, book_logging=False, exchange_log_orders=False)
for a in config["agents"]:
    a.log_events = False
    a.log_to_file = False
abides.run(config)
print(json.dumps({"orders": counts["orders"], "cancels": counts["cancels"],
                  "executions": counts["executed_msgs"] // 2}))
