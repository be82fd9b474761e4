import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError, type HelpCall } from '@madoguchi/protocol';
import type { DevicePrincipal, StaffPrincipal } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import type { Notifier } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';

export interface HelpDeskOptions {
  db: PrismaClient;
  notifier: Pick<Notifier, 'toDevice' | 'toSupervisors'>;
  audit: AuditLog;
  clock: Clock;
}

interface OpenHelpCall extends HelpCall {
  deviceId: string;
}

/**
 * 職員を呼ぶ: a tablet's call for help, shown on every supervisor's and admin's console until one of
 * them answers 対応します. Staff are not tied to sites, so the main office's supervisors are the
 * ones who can reach the site (by phone, or by going there). One open call per tablet: presses
 * before the acknowledgement are counted on it, not raised again.
 */
export class HelpDesk {
  readonly #options: HelpDeskOptions;
  /** Calls not yet acknowledged, by tablet; the HelpCall row is their record. */
  readonly #openByDevice = new Map<string, OpenHelpCall>();

  constructor(options: HelpDeskOptions) {
    this.#options = options;
  }

  /** Calls left open by a previous run of the server are still waiting for someone. */
  async restore(): Promise<void> {
    const rows = await this.#options.db.helpCall.findMany({
      where: { acknowledgedAt: null },
      include: { site: true, device: true },
      orderBy: { requestedAt: 'asc' },
    });
    for (const row of rows) {
      this.#openByDevice.set(row.deviceId, {
        helpCallId: row.id,
        deviceId: row.deviceId,
        site: { id: row.site.id, name: row.site.name },
        deviceName: row.device.name,
        requestedAt: row.requestedAt.toISOString(),
        presses: row.presses,
      });
    }
  }

  openCalls(): HelpCall[] {
    return [...this.#openByDevice.values()].map(({ deviceId: _deviceId, ...call }) => call);
  }

  async request(device: DevicePrincipal): Promise<{ helpCallId: string }> {
    const open = this.#openByDevice.get(device.deviceId);
    if (open) return this.#pressedAgain(open);
    const { name: deviceName } = await this.#options.db.device.findUniqueOrThrow({ where: { id: device.deviceId }, select: { name: true } });
    // Another press may have opened the call while the name was read.
    const openedMeanwhile = this.#openByDevice.get(device.deviceId);
    if (openedMeanwhile) return this.#pressedAgain(openedMeanwhile);
    const requestedAt = this.#options.clock.now();
    const call: OpenHelpCall = {
      helpCallId: randomUUID(),
      deviceId: device.deviceId,
      site: { id: device.siteId, name: device.siteName },
      deviceName,
      requestedAt: requestedAt.toISOString(),
      presses: 1,
    };
    // Open before the write, so that a press meanwhile joins this call.
    this.#openByDevice.set(device.deviceId, call);
    try {
      await this.#options.db.helpCall.create({ data: { id: call.helpCallId, siteId: device.siteId, deviceId: device.deviceId, requestedAt } });
    } catch (error) {
      this.#openByDevice.delete(device.deviceId);
      throw error;
    }
    this.#pushOpenCalls();
    return { helpCallId: call.helpCallId };
  }

  async acknowledge(staff: StaffPrincipal, helpCallId: string): Promise<void> {
    // A handful of tablets at most have a call open: looked up among them rather than kept in a second map.
    const call = [...this.#openByDevice.values()].find((open) => open.helpCallId === helpCallId);
    if (!call) throw new ProtocolError('CONFLICT', 'this call for help was already answered');
    // Taken first, so that two supervisors answering at once do not both record it.
    this.#openByDevice.delete(call.deviceId);
    const at = this.#options.clock.now();
    try {
      await this.#options.db.helpCall.update({
        where: { id: helpCallId },
        data: { acknowledgedAt: at, acknowledgedBy: staff.staffId, presses: call.presses },
      });
      await this.#options.audit.write({ staffId: staff.staffId, action: 'help.acknowledge', targetId: helpCallId, at, details: { site: call.site.name, device: call.deviceName } });
    } catch (error) {
      this.#openByDevice.set(call.deviceId, call);
      throw error;
    }
    this.#pushOpenCalls();
    this.#options.notifier.toDevice(call.deviceId, 'help:acknowledged', { helpCallId });
  }

  #pressedAgain(call: OpenHelpCall): { helpCallId: string } {
    call.presses += 1; // written with the acknowledgement
    this.#pushOpenCalls();
    return { helpCallId: call.helpCallId };
  }

  #pushOpenCalls(): void {
    this.#options.notifier.toSupervisors('help:calls', { calls: this.openCalls() });
  }
}
