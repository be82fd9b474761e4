import { Router } from 'express';
import { z } from 'zod';
import {
  BookingRequest,
  Id,
  ProtocolError,
  ReservationCalendarSettings,
  ReservationListQuery,
  ReservationOptionsQuery,
  type ReservationCalendarsResponse,
  type ReservationList,
} from '@madoguchi/protocol';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import type { Booker, ReservationService } from '../reservations/ReservationService.ts';
import { parseBody } from './errors.ts';
import type { AuthedRequest } from './routes.ts';

/** PUT /api/reservations/calendars/:departmentId: the calendar, or null to take no more bookings. */
const CalendarUpdate = z.strictObject({ settings: ReservationCalendarSettings.nullable() });

function staffOf(principal: Principal | undefined): StaffPrincipal {
  if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff only');
  return principal;
}

function bookerOf(principal: Principal | undefined): Booker {
  if (principal?.kind === 'device') return { kind: 'device', deviceId: principal.deviceId, siteId: principal.siteId };
  return { kind: 'staff', staffId: staffOf(principal).staffId };
}

/** An operator sees the bookings of their own departments; supervisors and admins see every one. */
function visibleDepartments(staff: StaffPrincipal): readonly string[] | undefined {
  return staff.role === 'operator' ? [...staff.departmentIds, ...staff.secondaryDepartmentIds] : undefined;
}

/**
 * /api/reservations: booking by a site's tablet (its clerk, for that site) or by staff; the day's
 * bookings and their `.ics` for staff (both audited as reservation.view); the slot calendars (admins change them, audited).
 */
export function createReservationsRouter({ reservations, audit }: { reservations: ReservationService; audit: AuditLog }): Router {
  const router = Router();

  router.get('/options', async (req: AuthedRequest, res) => {
    const booker = bookerOf(req.principal);
    const { departmentId, date } = parseBody(ReservationOptionsQuery, req.query);
    res.json(await reservations.options(departmentId, date, booker));
  });

  router.post('/', async (req: AuthedRequest, res) => {
    const booker = bookerOf(req.principal);
    const request = parseBody(BookingRequest, req.body);
    // An operator books for the departments whose bookings they see; supervisors and admins for any.
    const visible = req.principal?.kind === 'staff' ? visibleDepartments(req.principal) : undefined;
    if (visible && !visible.includes(request.departmentId)) throw new ProtocolError('FORBIDDEN', 'not one of your departments');
    const reservation = await reservations.book(request, booker);
    res.status(201).json(reservation);
  });

  router.get('/calendars', async (req: AuthedRequest, res) => {
    staffOf(req.principal);
    const body: ReservationCalendarsResponse = { calendars: await reservations.calendars() };
    res.json(body);
  });

  router.put('/calendars/:departmentId', async (req: AuthedRequest, res) => {
    const staff = staffOf(req.principal);
    if (staff.role !== 'admin') throw new ProtocolError('FORBIDDEN', 'admins only');
    const departmentId = parseBody(Id, req.params.departmentId);
    const { settings } = parseBody(CalendarUpdate, req.body);
    await reservations.setCalendar(departmentId, settings);
    await audit.write({ staffId: staff.staffId, action: 'config.change', targetId: departmentId, details: { change: 'reservation.calendar', settings } });
    const body: ReservationCalendarsResponse = { calendars: await reservations.calendars() };
    res.json(body);
  });

  router.get('/', async (req: AuthedRequest, res) => {
    const staff = staffOf(req.principal);
    const { date, departmentId } = parseBody(ReservationListQuery, req.query);
    const visible = visibleDepartments(staff);
    if (departmentId && visible && !visible.includes(departmentId)) throw new ProtocolError('FORBIDDEN', 'not one of your departments');
    const body: ReservationList = { reservations: await reservations.list(date, departmentId ? [departmentId] : visible) };
    // Names, phone numbers and notes: who was shown which booking, and how often, is on the record before it is sent.
    await audit.writeViews(staff.staffId, 'reservation.view', body.reservations.map((reservation) => reservation.id));
    res.json(body);
  });

  /** The booking's own staff only: an operator of another department is told it does not exist. */
  const visibleReservation = async (req: AuthedRequest) => {
    const visible = visibleDepartments(staffOf(req.principal));
    const reservation = await reservations.get(parseBody(Id, req.params.id));
    if (visible && !visible.includes(reservation.department.id)) throw new ProtocolError('NOT_FOUND', 'no such reservation');
    return reservation;
  };

  router.get('/:id/ics', async (req: AuthedRequest, res) => {
    const { id } = await visibleReservation(req);
    const { filename, body } = await reservations.icsOf(id);
    // A download leaves the server with the resident's name and phone number: one row each time, like a record's detail.
    await audit.write({ staffId: staffOf(req.principal).staffId, action: 'reservation.view', targetId: id, details: { download: 'ics' } });
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"; filename*=UTF-8''${filename}`);
    res.send(body);
  });

  router.post('/:id/cancel', async (req: AuthedRequest, res) => {
    const { id } = await visibleReservation(req);
    const cancelled = await reservations.cancel(id);
    // A change to a resident's booking, answered with their name and phone number: on the record.
    await audit.write({ staffId: staffOf(req.principal).staffId, action: 'reservation.cancel', targetId: id });
    res.json(cancelled);
  });

  return router;
}
