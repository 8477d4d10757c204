"""Consensus scoring over HTTP: a fact's verification, sources and their reliability,
checking a candidate statement, and a full re-scoring run."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kgmem.model import (
    CandidateCheck,
    FactVerification,
    Forgotten,
    Page,
    SourceDetail,
    SourceReliability,
    VerificationRun,
)
from kgmem.model.verification_input import CandidateIn
from kgmem.server.auth import Reader, Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["verification"])


@router.get("/facts/{uid:path}/verification", response_model=FactVerification)
async def fact_verification(ns: str, uid: str, request: Request, _: Reader) -> FactVerification:
    """The fact's trust, support, contradiction, consensus, status, and the sources for
    and against it with their reliabilities."""
    return await memory_of(request).fact_verification(ns, uid)


@router.get("/sources", response_model=Page[SourceReliability])
async def list_sources(
    ns: str,
    request: Request,
    _: Reader,
    cursor: str | None = None,
    limit: int = Query(default=100, ge=1, le=10_000),
) -> Page[SourceReliability]:
    """Sources ordered by uid, with their prior and learnt reliability."""
    return await memory_of(request).list_sources(ns, cursor=cursor, limit=limit)


@router.get("/sources/{uid:path}", response_model=SourceDetail)
async def get_source(ns: str, uid: str, request: Request, _: Reader) -> SourceDetail:
    """One source with its reliability history, newest first."""
    return await memory_of(request).get_source(ns, uid)


@router.delete("/sources/{uid:path}", response_model=Forgotten)
async def delete_source(ns: str, uid: str, request: Request, _: Writer) -> Forgotten:
    """Forget a source: every claim it made goes; facts only it claimed are deleted (the
    facts they had closed hold again unless another still closes them); facts others
    claim too keep those claims. The data items of its claims are re-scored at once
    (with ``KGMEM_VERIFICATION_UPDATE_ON_WRITE``, the default), else by the next
    verification run."""
    return await memory_of(request).delete_source(ns, uid)


@router.post("/verify", response_model=CandidateCheck)
async def verify_statement(
    ns: str, body: CandidateIn, request: Request, _: Reader
) -> CandidateCheck:
    """Check a candidate statement: the stored facts that match it, those that contradict
    it (other values of a functional predicate), and the trust it gets."""
    return await memory_of(request).check_statement(ns, body.subject, body.predicate, body.value)


@router.post("/verification/run", response_model=VerificationRun)
async def run_verification(ns: str, request: Request, _: Writer) -> VerificationRun:
    """Re-score every claim of the namespace (what `kgmem verify` does)."""
    return await memory_of(request).verify_namespace(ns)
