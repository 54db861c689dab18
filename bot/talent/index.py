"""Search the talent pool: rank every candidate's profile against a job description, in memory.

A profile is the TF-IDF vector of its text as screening computes it (bot.bulk.screening: jieba's full mode, jieba's
own IDF table, damped counts, stop words and single hanzi dropped), L2-normalised. The IDF is fixed, so a
profile's vector never depends on who else is in the pool and can be stored once.

Tags are words of the profile too: each is added to the candidate's vector as the term `tag.lower()` with the
fixed weight TAG_WEIGHT (beside a text vector of length 1), and the sum is normalised again. A query whose text
contains a known tag's name gets the tag as one more word, weighted by its IDF like the others (an unknown word
gets the median), so searching "沟通能力强" ranks the candidates tagged so first; a term dict given as the query
matches a tag by its key. The price: a tagged candidate's text counts a little less when no tag is named (three
tags: about 11 %).

score = (1 - quality_weight) × cosine + quality_weight × quality. Only candidates sharing a term with the query
are returned, except for a query with no terms (blank, punctuation, stop words) and tags: then everyone with
all the tags, ranked by quality. Ties go to the smaller candidate id.

Storage: a CSR matrix, candidates × vocabulary, and a 0/1 one, candidates × tags. Upserts and removals wait in
a pending list and are merged into new matrices on the next search; published matrices are never changed, so
a search holds the lock only while it merges. Removed rows stay, marked dead, until they are a quarter of all.
"""
from __future__ import annotations

import functools
import math
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from bot.bulk.screening import Screener

TAG_WEIGHT = 0.3  # about one distinctive word of a profile: it lifts tagged candidates without swamping text
MAX_QUERY_CHARS = 20_000  # cutting time grows with the text; a job description is far shorter
MATCHED_TERMS = 5
DIGITS = 12  # scores are rounded so that the matrix and the plain scan, which add in other orders, rank alike

Query = str | dict[str, float]


@functools.lru_cache(maxsize=1)
def _screener() -> Screener:
    # Screening's tokenizer and IDF weights with no rules; one instance keeps its per-word weight cache.
    return Screener(None, "")


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    vector = {t: float(w) for t, w in vector.items()
              if isinstance(t, str) and isinstance(w, (int, float)) and w > 0 and math.isfinite(w)}
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def profile_terms(text: str) -> dict[str, float]:
    """Return the text's TF-IDF term weights (jieba's fixed IDF), normalised to length 1."""
    if not isinstance(text, str) or not text.strip():
        return {}
    return _normalised(_screener().vector(text))


def _tags(tags: Iterable[str]) -> tuple[str, ...]:
    if isinstance(tags, str):  # one tag, not its characters
        tags = (tags,)
    return tuple(sorted({t.strip().lower() for t in tags if isinstance(t, str) and t.strip()}))


def _quality(value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0


@dataclass(frozen=True)
class Hit:
    """One candidate found: id, score (0-1) and the query terms that contributed most, best first."""
    candidate_id: int
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class _Snapshot:
    """Published rows; the arrays are never written to, the vocabularies only grow."""
    terms: sparse.csr_matrix = field(default_factory=lambda: sparse.csr_matrix((0, 0)))  # rows × words, length 1
    tags: sparse.csr_matrix = field(default_factory=lambda: sparse.csr_matrix((0, 0)))  # rows × tags, 0/1
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    quality: np.ndarray = field(default_factory=lambda: np.zeros(0))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    vocab: dict[str, int] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    tag_vocab: dict[str, int] = field(default_factory=dict)


def _matched(query: dict[int, float], columns: list[int], weights: list[float], words: list[str]) -> tuple[str, ...]:
    parts = sorted((-query[c] * w, words[c]) for c, w in zip(columns, weights, strict=True) if c in query)
    return tuple(word for _, word in parts[:MATCHED_TERMS])


class PoolIndex:
    """The pool's profiles as sparse matrices, for ranked search by text, tags and quality."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._snap = _Snapshot()
        self._row_of: dict[int, int] = {}
        self._pending: dict[int, tuple[dict[str, float], tuple[str, ...], float] | None] = {}
        self._members: set[int] = set()

    def __len__(self) -> int:
        return len(self._members)

    def build(self, rows: Iterable[tuple[int, dict[str, float], Iterable[str], float]]) -> None:
        """Replace the whole index with these (candidate_id, terms, tags, quality) rows; a later id wins."""
        latest = {int(c): (terms, _tags(tags), _quality(quality)) for c, terms, tags, quality in rows}
        with self._lock:
            self._pending, self._snap, self._row_of = {}, _Snapshot(), {}
            self._append(self._snap, latest)
            self._members = set(latest)

    def upsert(self, candidate_id: int, terms: dict[str, float], tags: Iterable[str], quality: float = 0.0) -> None:
        """Add or replace one candidate; the matrices take it on the next search."""
        entry = (dict(terms), _tags(tags), _quality(quality))
        with self._lock:
            self._pending[int(candidate_id)] = entry
            self._members.add(int(candidate_id))

    def remove(self, candidate_id: int) -> None:
        """Take one candidate out of the pool (an unknown id is ignored)."""
        with self._lock:
            if int(candidate_id) in self._members:
                self._pending[int(candidate_id)] = None
                self._members.discard(int(candidate_id))

    def _append(self, base: _Snapshot, rows: dict[int, tuple[dict[str, float], tuple[str, ...], float]]) -> None:
        """Publish base plus these rows, growing its vocabularies (the caller holds the lock)."""
        vocab, words, tag_vocab = base.vocab, base.words, base.tag_vocab
        lengths, keys, weights, tag_rows, tag_cols, tag_words = [], [], [], [], [], []
        for i, (terms, tags, _) in enumerate(rows.values()):
            lengths.append(len(terms))
            keys.extend(terms)
            weights.extend(terms.values())
            for tag in tags:
                tag_rows.append(i)
                tag_cols.append(tag_vocab.setdefault(tag, len(tag_vocab)))
                tag_words.append(tag)
        n = len(rows)
        row = np.repeat(np.arange(n), lengths)
        keys.extend(tag_words)
        for word in dict.fromkeys(keys):  # each distinct word once; the per-entry lookup below runs in C
            if word not in vocab:
                vocab[word] = len(vocab)
                words.append(word)
        col = np.fromiter(map(vocab.__getitem__, keys), np.int64, len(keys))
        value = np.asarray(weights, dtype=np.float64)
        keep = np.isfinite(value) & (value > 0)
        row, text_col, value = row[keep], col[:len(weights)][keep], value[keep]
        value /= np.sqrt(np.bincount(row, value * value, n))[row]  # the text part to length 1 first
        terms = sparse.coo_matrix((np.concatenate([value, np.full(len(tag_rows), TAG_WEIGHT)]),
                                   (np.concatenate([row, tag_rows]).astype(np.int64),
                                    np.concatenate([text_col, col[len(weights):]]))),
                                  shape=(n, len(vocab))).tocsr()  # sums a tag that is also a word of the text
        counts = np.diff(terms.indptr)
        terms.data /= np.repeat(np.sqrt(np.bincount(np.repeat(np.arange(n), counts), terms.data ** 2, n)), counts)
        tags = sparse.csr_matrix((np.ones(len(tag_rows)), (tag_rows, tag_cols)), shape=(n, len(tag_vocab)))
        start = len(base.ids)
        # Old rows gain the new columns, empty: same arrays, wider shape.
        old_terms = sparse.csr_matrix((base.terms.data, base.terms.indices, base.terms.indptr), (start, len(vocab)))
        old_tags = sparse.csr_matrix((base.tags.data, base.tags.indices, base.tags.indptr), (start, len(tag_vocab)))
        self._row_of.update((c, start + i) for i, c in enumerate(rows))
        self._snap = _Snapshot(sparse.vstack([old_terms, terms], format="csr"),
                               sparse.vstack([old_tags, tags], format="csr"),
                               np.concatenate([base.ids, np.fromiter(rows, np.int64, n)]),
                               np.concatenate([base.quality, np.fromiter((e[2] for e in rows.values()), float, n)]),
                               np.concatenate([base.alive, np.ones(n, bool)]), vocab, words, tag_vocab)

    def _merged(self) -> _Snapshot:
        """Merge the pending changes into new matrices and return the published rows."""
        with self._lock:
            if not self._pending:
                return self._snap
            snap, pending, self._pending = self._snap, self._pending, {}
            alive = snap.alive.copy()
            for candidate_id in pending:
                row = self._row_of.pop(candidate_id, None)
                if row is not None:
                    alive[row] = False
            if len(alive) - np.count_nonzero(alive) > max(1000, len(alive) // 4):  # compact: drop the dead rows
                keep = np.flatnonzero(alive)
                snap = _Snapshot(snap.terms[keep], snap.tags[keep], snap.ids[keep], snap.quality[keep],
                                 np.ones(len(keep), bool), snap.vocab, snap.words, snap.tag_vocab)
                self._row_of = {int(c): i for i, c in enumerate(snap.ids)}
            else:
                snap = _Snapshot(snap.terms, snap.tags, snap.ids, snap.quality, alive,
                                 snap.vocab, snap.words, snap.tag_vocab)
            self._append(snap, {c: e for c, e in pending.items() if e is not None})
            return self._snap

    def _prepare(self, query: Query, tags: Sequence[str], exclude: Collection[int], quality_weight: float):
        """The published rows, the query as {column: weight}, whether it has terms, the tag columns and more."""
        snap = self._merged()
        if isinstance(query, dict):
            vector = _normalised(query)
        else:
            text = query[:MAX_QUERY_CHARS] if isinstance(query, str) else ""
            screener, lowered = _screener(), text.lower()
            vector = screener.vector(text) if text.strip() else {}
            for tag in list(snap.tag_vocab):
                if len(tag) >= 2 and tag in lowered:  # a named tag is one more word, weighted like the others
                    vector[tag] = vector.get(tag, 0.0) + (screener.term_weight(tag) or screener.median_idf)
            vector = _normalised(vector)
        width = snap.terms.shape[1]
        columns = {snap.vocab[t]: w for t, w in vector.items() if snap.vocab.get(t, width) < width}
        wanted = _tags(tags)
        tag_columns = [snap.tag_vocab.get(t, -1) for t in wanted]
        if any(not 0 <= c < snap.tags.shape[1] for c in tag_columns):
            tag_columns = None  # a tag nobody has: nobody matches
        weight = float(quality_weight) if math.isfinite(quality_weight) else 0.0
        excluded = np.fromiter({int(c) for c in exclude}, np.int64)
        return snap, columns, bool(vector), tag_columns, excluded, min(max(weight, 0.0), 1.0)

    def search(self, query: Query, *, tags: Sequence[str] = (), limit: int = 20, exclude: Collection[int] = (),
               quality_weight: float = 0.15) -> list[Hit]:
        """Return the best `limit` candidates for the query that have all the tags, best first."""
        if limit <= 0:
            return []
        snap, columns, has_terms, tag_columns, excluded, weight = self._prepare(query, tags, exclude, quality_weight)
        if tag_columns is None or not (has_terms or tag_columns) or not len(snap.ids):
            return []
        eligible = snap.alive.copy()
        if tag_columns:
            wanted = np.zeros(snap.tags.shape[1])
            wanted[tag_columns] = 1.0
            eligible &= snap.tags @ wanted == len(tag_columns)
        if len(excluded):
            eligible &= ~np.isin(snap.ids, excluded)
        cosine = np.zeros(len(snap.ids))
        if has_terms:
            if not columns:
                return []
            dense = np.zeros(snap.terms.shape[1])
            dense[list(columns)] = list(columns.values())
            cosine = snap.terms @ dense
            eligible &= cosine > 0
        rows = np.flatnonzero(eligible)
        scores = np.round((1 - weight) * cosine[rows] + weight * snap.quality[rows], DIGITS)
        if len(rows) > limit:  # the top `limit`, and everyone tied with the last of them
            threshold = scores[np.argpartition(-scores, limit - 1)[:limit]].min()
            rows, scores = rows[scores >= threshold], scores[scores >= threshold]
        order = np.lexsort((snap.ids[rows], -scores))[:limit]
        terms, hits = snap.terms, []
        for row, score in zip(rows[order].tolist(), scores[order].tolist(), strict=True):
            span = slice(terms.indptr[row], terms.indptr[row + 1])
            matched = _matched(columns, terms.indices[span].tolist(), terms.data[span].tolist(), snap.words)
            hits.append(Hit(int(snap.ids[row]), score, matched))
        return hits

    def brute_force(self, query: Query, *, tags: Sequence[str] = (), limit: int = 20, exclude: Collection[int] = (),
                    quality_weight: float = 0.15) -> list[Hit]:
        """Return what search returns, by a plain Python scan of every row (the baseline to check and time it)."""
        if limit <= 0:
            return []
        snap, columns, has_terms, tag_columns, excluded, weight = self._prepare(query, tags, exclude, quality_weight)
        if tag_columns is None or not (has_terms or tag_columns):
            return []
        indptr, indices, data = (a.tolist() for a in (snap.terms.indptr, snap.terms.indices, snap.terms.data))
        tag_indptr, tag_indices = snap.tags.indptr.tolist(), snap.tags.indices.tolist()
        ids, quality, alive = snap.ids.tolist(), snap.quality.tolist(), snap.alive.tolist()
        wanted, skip, found = set(tag_columns), set(excluded.tolist()), []
        for row in range(len(ids)):
            if not alive[row] or ids[row] in skip:
                continue
            if wanted and not wanted <= set(tag_indices[tag_indptr[row]:tag_indptr[row + 1]]):
                continue
            cosine = 0.0
            for j in range(indptr[row], indptr[row + 1]):
                if indices[j] in columns:
                    cosine += columns[indices[j]] * data[j]
            if has_terms and cosine <= 0:
                continue
            found.append((row, (1 - weight) * cosine + weight * quality[row]))
        rounded = np.round([score for _, score in found], DIGITS).tolist()
        best = sorted(zip(rounded, (row for row, _ in found), strict=True), key=lambda p: (-p[0], ids[p[1]]))[:limit]
        return [Hit(ids[row], score, _matched(columns, indices[indptr[row]:indptr[row + 1]],
                                              data[indptr[row]:indptr[row + 1]], snap.words)) for score, row in best]
