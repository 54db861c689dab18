"""Inbound handlers of the web app and of WeCom messages, split by audience (wecom, h5, hr, api, bulk)."""
