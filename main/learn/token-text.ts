// Readable text of one token for the Learn page: the vocabulary's word-start markers (SentencePiece's ▁, byte-level
// BPE's Ġ/Ċ) and byte tokens (<0x0A>) become the characters they stand for, so "▁the" shows as " the".
import type { LatheTokenizer } from '../models/tokenizer';
import type { TokenPiece } from '../api/learn-types';

export function tokenText(tok: Pick<LatheTokenizer, 'idToToken' | 'decode'>, id: number): string {
  const raw = tok.idToToken(id);
  if (raw === undefined) return tok.decode([id]);
  const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(raw);
  if (byte) return String.fromCharCode(parseInt(byte[1], 16));
  return raw.replace(/▁/g, ' ').replace(/Ġ/g, ' ').replace(/Ċ/g, '\n').replace(/ĉ/g, '\t');
}

export function piece(tok: Pick<LatheTokenizer, 'idToToken' | 'decode'>, id: number): TokenPiece {
  return { id, text: tokenText(tok, id) };
}
