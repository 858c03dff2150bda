"""Password hashing with argon2id (argon2-cffi).

Hashes are PHC strings that carry their own parameters, so changing the cost in
``[accounts.argon2]`` upgrades each stored hash at its owner's next sign-in.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geoservice.store.account_config import Argon2Params

#: Hashed when an unknown e-mail signs in, so that the answer takes as long as for a known one.
_DUMMY_PASSWORD = "not a password of anybody"


@functools.cache
def password_hasher(params: Argon2Params) -> PasswordHasher:
    """The argon2id hasher of `params` (one per parameter set)."""
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
    )


@functools.cache
def _dummy_hash(params: Argon2Params) -> str:
    return password_hasher(params).hash(_DUMMY_PASSWORD)


def hash_password(params: Argon2Params, password: str) -> str:
    """The argon2id PHC string of `password`."""
    return password_hasher(params).hash(password)


def verify_password(params: Argon2Params, password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; with ``None`` (no such account) a dummy
    hash is checked so that the time taken does not tell whether the account exists."""
    hasher = password_hasher(params)
    try:
        return hasher.verify(password_hash or _dummy_hash(params), password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(params: Argon2Params, password_hash: str) -> bool:
    """The hash was made with other parameters than `params`."""
    return password_hasher(params).check_needs_rehash(password_hash)
