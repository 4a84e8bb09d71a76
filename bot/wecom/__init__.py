"""Everything that speaks WeCom's protocol: crypto, callbacks, (later) the API client."""
