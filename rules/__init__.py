"""The OCPI message model, route table, rule registry and checkers."""
