-- Hand-off tokens are `{impersonation id}.{secret}`: the row is found by its id and the secret
-- compared in constant time, so the index of token hashes goes. Tokens issued before this
-- migration (they live 60 seconds) no longer exchange.
DROP INDEX `impersonations_handoff_unique`;