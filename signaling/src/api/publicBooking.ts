import { Router, type Request } from 'express';
import { PublicBookingKey, PublicBookingRequest, PublicSlotsQuery } from '@madoguchi/protocol';
import type { PublicBookingDesk } from '../reservations/PublicBookingDesk.ts';
import { parseBody } from './errors.ts';

/** The address limits count by: the client's, as express's `trust proxy` (TRUST_PROXY) resolves it. */
const addressOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * /api/public/booking: the residents' booking page, with no token. What a slot is, who is on duty and
 * every other booking stay behind the desk; a booking is shown again only for its code and phone number.
 */
export function createPublicBookingRouter(desk: PublicBookingDesk): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json(await desk.info());
  });

  router.get('/slots', async (req, res) => {
    const { departmentId, date } = parseBody(PublicSlotsQuery, req.query);
    res.json(await desk.slots(departmentId, date));
  });

  router.post('/', async (req, res) => {
    const booking = await desk.book(addressOf(req), parseBody(PublicBookingRequest, req.body));
    res.status(201).json(booking);
  });

  router.post('/lookup', async (req, res) => {
    res.json(await desk.lookup(addressOf(req), parseBody(PublicBookingKey, req.body)));
  });

  router.post('/cancel', async (req, res) => {
    res.json(await desk.cancel(addressOf(req), parseBody(PublicBookingKey, req.body)));
  });

  return router;
}
