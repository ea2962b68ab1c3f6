import { z } from 'zod';

export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(12, 'Use at least 12 characters.').max(1024),
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;
