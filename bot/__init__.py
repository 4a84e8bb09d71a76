"""newsbot: the WeCom bot of a county bureau's publicity office."""
