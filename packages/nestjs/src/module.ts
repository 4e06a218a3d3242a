import { Inject, Module, RequestMethod, type DynamicModule, type FactoryProvider, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Request } from 'express';
import type { Frago } from '@frago/core';
import type { IdentityResolver } from '@frago/core/node';
import { fragoExpress } from '@frago/express';

/** Options of {@link FragoModule.forRoot}. */
export interface FragoModuleOptions {
  /** The frago to serve, at its base path (default `/upload`). */
  readonly frago: Frago;
  /**
   * Who is calling, called only for requests that need a caller (not for a CORS
   * preflight). Default: the user an Express middleware put on `req.user` (by its id),
   * or anonymous.
   */
  readonly identify?: IdentityResolver<Request>;
}

/** Options of {@link FragoModule.forRootAsync}: a Nest factory provider for {@link FragoModuleOptions}. */
export interface FragoModuleAsyncOptions {
  readonly imports?: DynamicModule['imports'];
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: FactoryProvider<FragoModuleOptions>['useFactory'];
}

const FRAGO_OPTIONS = Symbol('frago options');

/**
 * Serves the frago API in a Nest application on the Express platform, as Express
 * middleware ahead of every controller. Nest's default body parsers leave chunk bodies
 * (`application/octet-stream`, `multipart/form-data`) alone and frago reads the JSON
 * they parsed; they consume `application/x-www-form-urlencoded` bodies, so form starts
 * need `NestFactory.create(AppModule, { bodyParser: false })`.
 */
export class FragoModule implements NestModule {
  constructor(private readonly options: FragoModuleOptions) {}

  static forRoot(options: FragoModuleOptions): DynamicModule {
    return { module: FragoModule, providers: [{ provide: FRAGO_OPTIONS, useValue: options }] };
  }

  /** Builds the options with Nest's injector, e.g. from a `ConfigService`. */
  static forRootAsync(options: FragoModuleAsyncOptions): DynamicModule {
    const provider: FactoryProvider<FragoModuleOptions> = { provide: FRAGO_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] };
    return { module: FragoModule, imports: options.imports ?? [], providers: [provider] };
  }

  configure(consumer: MiddlewareConsumer): void {
    const { frago, identify } = this.options;
    // Requests outside the frago's base path pass on to Nest's router.
    consumer.apply(fragoExpress(frago, identify ? { identify } : {})).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

// Applied by hand rather than with `@` syntax, so that this package compiles without
// TypeScript's legacy decorators and without emitted type metadata.
Module({})(FragoModule);
Inject(FRAGO_OPTIONS)(FragoModule, undefined, 0);
