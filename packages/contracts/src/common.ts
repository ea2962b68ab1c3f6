import { z } from 'zod';

export const isoDateTime = z.iso.datetime();
export const numericId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
