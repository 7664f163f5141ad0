/** POST /faults/mystery: start a mystery round, answer it, or give it up; back to /faults (post/redirect/get). */
import type { FastifyInstance } from 'fastify';
import { answerMysteryRound, MYSTERY_SERVICES, revealMysteryRound, startMysteryRound } from '@paytrace/faults';
import { badRequest, noFlagFile } from '../errors.js';

interface MysteryForm {
  action: 'start' | 'answer' | 'reveal';
  /** start: the seed to replay (empty: a random one). */
  seed?: string;
  /** answer: the service named, and the operation picked from the list or typed (typed wins). */
  service?: string;
  operation?: string;
  operation_text?: string;
}

export function mysteryRoutes(app: FastifyInstance, opts: { flagFile: string | undefined }): void {
  const { flagFile } = opts;

  app.post<{ Body: MysteryForm }>(
    '/faults/mystery',
    {
      schema: {
        body: {
          type: 'object',
          required: ['action'],
          properties: {
            action: { type: 'string', enum: ['start', 'answer', 'reveal'] },
            seed: { type: 'string', pattern: '^\\d{0,10}$' },
            service: { type: 'string', enum: ['', ...MYSTERY_SERVICES] },
            operation: { type: 'string', maxLength: 200 },
            operation_text: { type: 'string', maxLength: 300 },
          },
        },
      },
    },
    async (request, reply) => {
      if (!flagFile) throw noFlagFile();
      const { action, seed, service, operation, operation_text: typed } = request.body;
      try {
        if (action === 'start') {
          startMysteryRound(flagFile, seed ? { seed: Number(seed) } : {});
        } else if (action === 'answer') {
          const named = typed?.trim() || operation?.trim();
          if (!service) throw new Error('which service? pick one');
          if (!named) throw new Error('which operation? pick one from the list or type it');
          answerMysteryRound(flagFile, { service, operation: named });
        } else {
          revealMysteryRound(flagFile);
        }
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      return reply.redirect('/faults#mystery', 303);
    },
  );
}
