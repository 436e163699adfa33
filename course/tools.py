"""The seeds' tools as plain, deterministic functions, with their JSON schemas.

These are the *implementations* the learner's executor calls when the model asks for a
tool.  They are synchronous and instant; :mod:`course.clock` wraps them with simulated
latency for the concurrency lessons.  Data is fixed so recordings stay valid.
"""

from __future__ import annotations

from typing import Any, Callable

WEATHER = {"Tokyo": 24, "London": 15, "New York": 18, "Sydney": 22, "San Francisco": 17, "San Jose": 23, "Paris": 19}
CONDITIONS = {"Tokyo": "sunny", "London": "overcast", "New York": "clear", "Sydney": "windy",
              "San Francisco": "foggy", "San Jose": "sunny", "Paris": "light rain"}
RATES = {("USD", "JPY"): 149.5, ("USD", "EUR"): 0.92, ("EUR", "USD"): 1.09, ("GBP", "USD"): 1.27}
STOCKS = {"AAPL": 213.5, "GOOGL": 175.2, "MSFT": 415.8, "NVDA": 124.6}
TASKS = [
    {"id": "task-101", "subject": "Call Acme about renewal", "status": "NOT_STARTED", "due": "2025-04-10"},
    {"id": "task-102", "subject": "Send Q2 proposal to Globex", "status": "IN_PROGRESS", "due": "2025-04-12"},
]
NOTES = [
    {"id": "note-201", "body": "Acme wants a 2-year term; budget approved.", "created": "2025-04-03"},
    {"id": "note-202", "body": "Globex asked for SSO in the proposal.", "created": "2025-04-05"},
]
CALENDAR = {("dr-patel", "2025-06-10"): [{"slot_id": "slot-0930", "start": "09:30"}, {"slot_id": "slot-1500", "start": "15:00"}]}
PAYMENT = {"user-42": {"payment_method_id": "pm-visa-4242", "brand": "visa", "last4": "4242"}}


class ToolError(RuntimeError):
    """A tool failed the way real services fail; the loop must turn this into an error result."""


def get_weather(city: str) -> dict[str, Any]:
    """Current temperature (°C) and conditions for a city."""
    if city not in WEATHER:
        raise ToolError(f"unknown city: {city}")
    return {"city": city, "temperature": WEATHER[city], "unit": "celsius", "condition": CONDITIONS[city]}


def weather_conditions(location_city: str) -> dict[str, Any]:
    """Current weather conditions (the forum seed's San Francisco / San Jose example)."""
    return get_weather(location_city)


def get_exchange_rate(from_currency: str, to_currency: str) -> dict[str, Any]:
    """The exchange rate between two currencies."""
    rate = RATES.get((from_currency.upper(), to_currency.upper()))
    if rate is None:
        raise ToolError(f"no rate for {from_currency}->{to_currency}")
    return {"from": from_currency.upper(), "to": to_currency.upper(), "rate": rate}


def get_stock_price(ticker: str) -> dict[str, Any]:
    """The latest price of a stock in USD."""
    if ticker.upper() not in STOCKS:
        raise ToolError(f"unknown ticker: {ticker}")
    return {"ticker": ticker.upper(), "price": STOCKS[ticker.upper()], "currency": "USD"}


def hubspot_task_list(action_description: str = "", object_type: str = "task", sort_by: str = "hs_lastmodifieddate") -> dict[str, Any]:
    """The user's HubSpot tasks (the forum seed's Tool_Nango_Hubspot_OwnerTaskList)."""
    return {"object_type": "task", "sort_by": sort_by, "results": TASKS}


def hubspot_note_list(action_description: str = "", object_type: str = "note", sort_by: str = "hs_lastmodifieddate") -> dict[str, Any]:
    """The user's HubSpot notes (the forum seed's Tool_Nango_Hubspot_OwnerNoteList)."""
    return {"object_type": "note", "sort_by": sort_by, "results": NOTES}


def get_doctor_calendar(doctor_id: str, date: str) -> dict[str, Any]:
    """Free slots for a doctor on a date."""
    return {"doctor_id": doctor_id, "date": date, "free_slots": CALENDAR.get((doctor_id, date), [])}


def get_user_payment_method(user_id: str) -> dict[str, Any]:
    """The user's default payment method."""
    if user_id not in PAYMENT:
        raise ToolError(f"no payment method on file for {user_id}")
    return {"user_id": user_id, **PAYMENT[user_id]}


def book_appointment(slot_id: str, user_id: str, payment_method_id: str) -> dict[str, Any]:
    """Book a slot (mutating). Fails for a slot the calendar never offered."""
    offered = {s["slot_id"] for slots in CALENDAR.values() for s in slots}
    if slot_id not in offered:
        raise ToolError(f"slot {slot_id} does not exist")
    return {"booking_id": f"bk-{slot_id}-{user_id}", "slot_id": slot_id, "status": "confirmed"}


def web_search(query: str) -> dict[str, Any]:
    """The learner's own search tool (lesson 5's workaround for the hosted web search)."""
    return {"query": query, "results": [{"title": f"Result for {query}", "url": "https://example.com/search-result"}]}


REGISTRY: dict[str, Callable[..., dict[str, Any]]] = {
    "get_weather": get_weather,
    "weather_conditions": weather_conditions,
    "get_exchange_rate": get_exchange_rate,
    "get_stock_price": get_stock_price,
    "Tool_Nango_Hubspot_OwnerTaskList": hubspot_task_list,
    "Tool_Nango_Hubspot_OwnerNoteList": hubspot_note_list,
    "get_doctor_calendar": get_doctor_calendar,
    "get_user_payment_method": get_user_payment_method,
    "book_appointment": book_appointment,
    "web_search": web_search,
}

READ_ONLY = {"get_weather", "weather_conditions", "get_exchange_rate", "get_stock_price", "Tool_Nango_Hubspot_OwnerTaskList",
             "Tool_Nango_Hubspot_OwnerNoteList", "get_doctor_calendar", "get_user_payment_method", "web_search"}
MUTATING = {"book_appointment"}


def _schema(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


PARAMETERS: dict[str, dict[str, Any]] = {
    "get_weather": _schema({"city": {"type": "string"}}, ["city"]),
    "weather_conditions": _schema({"location_city": {"type": "string"}}, ["location_city"]),
    "get_exchange_rate": _schema({"from_currency": {"type": "string"}, "to_currency": {"type": "string"}},
                                 ["from_currency", "to_currency"]),
    "get_stock_price": _schema({"ticker": {"type": "string"}}, ["ticker"]),
    "get_doctor_calendar": _schema({"doctor_id": {"type": "string"}, "date": {"type": "string"}}, ["doctor_id", "date"]),
    "get_user_payment_method": _schema({"user_id": {"type": "string"}}, ["user_id"]),
    "book_appointment": _schema({"slot_id": {"type": "string"}, "user_id": {"type": "string"},
                                 "payment_method_id": {"type": "string"}}, ["slot_id", "user_id", "payment_method_id"]),
    "web_search": _schema({"query": {"type": "string"}}, ["query"]),
}
DESCRIPTIONS = {name: (fn.__doc__ or "").strip().split("\n")[0] for name, fn in REGISTRY.items()}


def chat_tool(name: str) -> dict[str, Any]:
    """A tool definition in Chat Completions' nested format."""
    return {"type": "function", "function": {"name": name, "description": DESCRIPTIONS[name], "parameters": PARAMETERS[name]}}


def responses_tool(name: str) -> dict[str, Any]:
    """The same tool in the Responses API's flat format."""
    return {"type": "function", "name": name, "description": DESCRIPTIONS[name], "parameters": PARAMETERS[name], "strict": False}


def anthropic_tool(name: str) -> dict[str, Any]:
    """The same tool in Anthropic's format."""
    return {"name": name, "description": DESCRIPTIONS[name], "input_schema": PARAMETERS[name]}


def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run a tool by name (what a simple executor does)."""
    return REGISTRY[name](**arguments)
