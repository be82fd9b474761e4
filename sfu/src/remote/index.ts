export { RemoteSfu, type RemoteSfuOptions } from './RemoteSfu.ts';
export { RemoteParticipant, RemoteProbe, RemoteRoom } from './RemoteRoom.ts';
export { SfuService, type SfuServiceOptions } from './SfuService.ts';
export { SfuRegistration, registeredSfuNodes, REGISTRY_TTL_MS, type RegistryRedis } from './registry.ts';
export { SFU_AUDIENCE, SFU_COMMANDS, type SfuNodeEntry } from './contract.ts';
